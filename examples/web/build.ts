/**
 * Builds the playground into a folder: the page script (page/main.ts, with uPlot and its CSS)
 * and the training Worker (worker.ts, with tapegrad) bundled by esbuild, the HTML and CSS, and
 * the MNIST digits as static files (digits.ts).
 */
import { build } from 'esbuild';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeDigits, readDigitFiles } from './digits.js';

const HERE = fileURLToPath(new URL('./', import.meta.url));

/** Writes the playground into `outDir` (emptied first). */
export async function buildPlayground(
  outDir: string,
  options: { minify?: boolean } = {},
): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { main: join(HERE, 'page/main.ts'), worker: join(HERE, 'worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await copyFile(join(HERE, 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(HERE, 'style.css'), join(outDir, 'style.css'));
  const { manifest, bin } = encodeDigits(readDigitFiles());
  await writeFile(join(outDir, 'mnist.json'), JSON.stringify(manifest));
  await writeFile(join(outDir, 'mnist.bin'), bin);
}
