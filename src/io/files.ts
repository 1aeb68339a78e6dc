/**
 * Safetensors files on disk (Node.js): `save` and `load`, in the `tapegrad/node` entry. They are
 * `serialize` and `deserialize` (safetensors.ts, which work on bytes everywhere) plus the file
 * system, whose failures become `IOError`s naming the path as the caller gave it.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IOError } from '../errors.js';
import type { StateDict } from '../nn/module.js';
import { deserialize, serialize } from './safetensors.js';

/** Options of `save`. */
export interface SaveOptions {
  /** Free-form string pairs stored as the header's `__metadata__` (e.g. `{ format: 'pt' }`). */
  metadata?: Record<string, string>;
}

/** Node's error code of a failed file operation, if it has one. */
function codeOf(e: unknown): string | undefined {
  const code: unknown = typeof e === 'object' && e !== null ? Reflect.get(e, 'code') : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The reason a code stands for, in the words of Python's `OSError` (what PyTorch users see). */
const REASONS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
};

function ioError(op: string, path: string, e: unknown): IOError {
  const code = codeOf(e);
  const reason =
    code !== undefined ? (REASONS[code] ?? code) : e instanceof Error ? e.message : String(e);
  return new IOError(`${op}: ${reason}: '${path}'`, path, code);
}

/**
 * Writes a state dict to `path` in the safetensors format (see `serialize`). The file is written
 * to a temporary name beside `path` and renamed, so `path` never holds a partial file. Throws
 * `IOError` naming `path` when it cannot be written (a missing directory: PyTorch's
 * `Parent directory … does not exist.`).
 *
 * @example
 * ```ts
 * import { save } from 'tapegrad/node';
 * save(model.stateDict(), 'model.safetensors', { metadata: { epoch: '3' } });
 * ```
 */
export function save(dict: StateDict, path: string, options: SaveOptions = {}): void {
  const bytes = serialize(dict, options.metadata);
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (codeOf(e) === 'ENOENT') {
      throw new IOError(
        `save: Parent directory ${dirname(path)} does not exist: '${path}'`,
        path,
        'ENOENT',
      );
    }
    throw ioError('save', path, e);
  }
}

/**
 * Reads a safetensors file written by `save`, by PyTorch or by any conforming writer (see
 * `deserialize`). Throws `IOError` naming `path` when it cannot be read.
 *
 * @example
 * ```ts
 * import { load } from 'tapegrad/node';
 * model.loadStateDict(load('model.safetensors'));
 * ```
 */
export function load(path: string): StateDict {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw ioError('load', path, e);
  }
  return deserialize(bytes);
}
