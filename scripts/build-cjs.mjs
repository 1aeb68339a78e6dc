// The CommonJS build, from the ESM build: `npm run build` runs `tsc -p tsconfig.build.json`
// (dist/: ESM .js and .d.ts), then this script, which writes dist/cjs/: every module converted to
// CommonJS by esbuild (one file per module, not a bundle, so that `tapegrad` and `tapegrad/node`
// share one module instance and one tensor memory), the same declarations beside them, and a
// package.json that marks the folder as CommonJS, so that Node and TypeScript read dist/cjs/*.js
// and dist/cjs/*.d.ts as CommonJS. package.json's `exports` sends `require` there.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const dist = 'dist';
const out = join(dist, 'cjs');
rmSync(out, { recursive: true, force: true });

/** Files under `dir` (recursively), `dist/cjs` excluded. */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === out ? [] : walk(path);
    return [path];
  });
}

const files = walk(dist);
await build({
  entryPoints: files.filter((f) => f.endsWith('.js')),
  outdir: out,
  outbase: dist,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  bundle: false,
  logLevel: 'warning',
});
for (const f of files.filter((f) => f.endsWith('.d.ts'))) {
  const to = join(out, relative(dist, f));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(f, to);
}
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
