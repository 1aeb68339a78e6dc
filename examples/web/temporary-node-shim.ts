/**
 * TEMPORARY — delete this file, and its import and `plugins` entry in examples/web/build.ts and
 * test/browser/build.ts, once the `platform` branch is merged.
 *
 * Until then the package root still imports `node:fs`, `node:module` and `node:path` (for
 * `save`/`load` and `data.loadMnist`), which a browser bundle cannot resolve. This esbuild plugin
 * resolves those imports to stubs that throw if called; nothing the pages run calls them. After
 * the merge the root imports no `node:` module and the pages bundle as they are.
 */
import type { Plugin } from 'esbuild';

const STUB = `
const unavailable = (name) => () => {
  throw new Error(name + ' is not available in a browser');
};
export const readFileSync = unavailable('readFileSync');
export const writeFileSync = unavailable('writeFileSync');
export const renameSync = unavailable('renameSync');
export const rmSync = unavailable('rmSync');
export const createRequire = unavailable('createRequire');
export const dirname = unavailable('dirname');
export const join = unavailable('join');
`;

export const temporaryNodeShim: Plugin = {
  name: 'temporary-node-shim',
  setup(build) {
    build.onResolve({ filter: /^node:(fs|module|path)$/ }, (args) => ({
      path: args.path,
      namespace: 'temporary-node-shim',
    }));
    build.onLoad({ filter: /.*/, namespace: 'temporary-node-shim' }, () => ({
      contents: STUB,
      loader: 'js',
    }));
  },
};
