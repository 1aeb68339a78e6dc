/**
 * Bundles the test pages (test/browser/pages/*.ts, each with its .html) for Chromium, into a
 * folder the test server serves.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PAGES = fileURLToPath(new URL('./pages/', import.meta.url));

/** examples/quickstart.ts, bundled as it is for pages/example.html. */
const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart.ts', import.meta.url));

/** Bundles every page script and copies every page into `outDir` (emptied first). */
export async function buildTestPages(outDir: string): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const files = await readdir(PAGES);
  await build({
    entryPoints: [
      ...files
        .filter((f) => f.endsWith('.ts'))
        .map((f) => ({ in: join(PAGES, f), out: f.replace(/\.ts$/, '') })),
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
  for (const f of files.filter((f) => f.endsWith('.html'))) {
    await copyFile(join(PAGES, f), join(outDir, f));
  }
}
