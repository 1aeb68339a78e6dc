/**
 * What every browser test file needs: Debian's Chromium driven by playwright-core and the test
 * server around the file's tests, and a way to open a test page and wait for the result it
 * publishes (see pages/report.ts).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { StaticServer } from '../../examples/web/server.js';
import { startTestServer } from './server.js';

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

/** The browser and the server of a test file, there while its tests run. */
export interface Session {
  readonly browser: Browser;
  readonly server: StaticServer;
  /** Opens `path` (a page and its query, e.g. `cases.html?case=mlp`) on the server. */
  open(path: string): Promise<Opened>;
}

/**
 * Before the file's tests: `build(outDir)`, serve `outDir` (server.ts) and launch Chromium;
 * after them, close both.
 */
export function useChromium(build: (outDir: string) => Promise<void>, outDir: string): Session {
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  beforeAll(async () => {
    await build(outDir);
    server = await startTestServer(outDir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser tests have not started (beforeAll)');
    return value;
  };
  const session: Session = {
    get browser() {
      return started(browser);
    },
    get server() {
      return started(server);
    },
    open: (path) => open(session.browser, `${session.server.url}/${path}`),
  };
  return session;
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
