/**
 * Bundles the test pages for Chromium, into a folder the test server serves: every script in
 * test/browser/pages/ (each an entry point, for a page or a Worker) and the HTML of every page.
 */
import { build } from 'esbuild';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = fileURLToPath(new URL('./pages/', import.meta.url));

/** examples/quickstart.ts, bundled as it is for example.html. */
const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart.ts', import.meta.url));

/**
 * Each page (`<name>.html`) and the bundled scripts it loads. Module scripts run in document
 * order: example.html runs the quick start, then the report that it has run.
 */
const PAGES: Record<string, string[]> = {
  cases: ['cases.js'],
  example: ['quickstart.js', 'example.js'],
  matmul: ['matmul.js'],
  threads: ['threads.js'],
};

function pageHtml(name: string, scripts: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="utf-8" />',
    '    <link rel="icon" href="data:," />',
    `    <title>tapegrad browser test: ${name}</title>`,
    ...scripts.map((s) => `    <script type="module" src="./${s}"></script>`),
    '  </head>',
    '  <body></body>',
    '</html>',
    '',
  ].join('\n');
}

/** Bundles every page script and writes every page into `outDir` (emptied first). */
export async function buildTestPages(outDir: string): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const files = await readdir(SOURCES);
  await build({
    entryPoints: [
      ...files
        .filter((f) => f.endsWith('.ts'))
        .map((f) => ({ in: join(SOURCES, f), out: f.replace(/\.ts$/, '') })),
      { in: QUICKSTART, out: 'quickstart' },
    ],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const [name, scripts] of Object.entries(PAGES)) {
    await writeFile(join(outDir, `${name}.html`), pageHtml(name, scripts));
  }
}
