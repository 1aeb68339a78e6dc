/**
 * What every browser test file needs: Debian's Chromium driven by playwright-core, and a way to
 * open a test page and wait for the result it publishes (see pages/report.ts).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** The Chromium of Debian's `chromium` package (`.ci/run` installs it). */
export const CHROMIUM = process.env.TAPEGRAD_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium\` ` +
        '(or point TAPEGRAD_CHROMIUM at one)',
    );
  }
  // The flags keep a headless Chromium from reaching out to the network at start-up, which a
  // machine with no outside network refuses (slowly) many times over.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** An opened page, what it printed to the console, and the errors it threw. */
export interface Opened {
  page: Page;
  /** The headers the page was served with. */
  headers: Record<string, string>;
  console: ConsoleMessage[];
  errors: Error[];
}

export async function open(browser: Browser, url: string): Promise<Opened> {
  const page = await browser.newPage();
  const opened: Opened = { page, headers: {}, console: [], errors: [] };
  page.on('console', (m) => opened.console.push(m));
  page.on('pageerror', (e) => opened.errors.push(e));
  const response = await page.goto(url);
  opened.headers = response?.headers() ?? {};
  return opened;
}

/**
 * Waits for the page's `__result` (pages/report.ts) and returns its value, or throws its error;
 * throws at once when the page throws or a file it loads is missing.
 */
export async function result<T>(opened: Opened, timeout = 60_000): Promise<T> {
  const { page } = opened;
  const seen = (): string =>
    [...opened.console.map((m) => m.text()), ...opened.errors.map(String)].join('\n');
  const deadline = performance.now() + timeout;
  for (;;) {
    const r = (await page.evaluate(() => Reflect.get(globalThis, '__result'))) as
      undefined | { ok: true; value: T } | { ok: false; error: string };
    if (r !== undefined && r.ok) return r.value;
    if (r !== undefined) throw new Error(`${page.url()} failed: ${r.error}`);
    const failed = opened.errors.length > 0 || opened.console.some((m) => m.type() === 'error');
    if (failed || performance.now() > deadline) {
      throw new Error(
        `${page.url()} ${failed ? 'failed' : 'published no result in time'}; it printed:\n${seen()}`,
      );
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}
