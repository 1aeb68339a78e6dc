/**
 * The platform layer: what tapegrad needs of its host beyond the JavaScript language, with one
 * implementation per host (`node.ts`, `browser.ts`). Nothing here imports a `node:` module, so
 * the package root bundles for a browser as it is; the Node implementation reaches Node's
 * modules through `process.getBuiltinModule` when it runs there.
 *
 * The layer sits below the storage and the kernels and imports nothing of tapegrad.
 */
import { browserPlatform } from './browser.js';
import { nodePlatform } from './node.js';

/** What a kernel worker receives: the compiled modules and the shared memory, and its slot. */
export interface KernelWorkerData {
  readonly module: object;
  readonly bnModule: object;
  readonly memory: object;
  readonly slot: number;
}

/** A started worker, as much as the thread pool needs of it. */
export interface WorkerHandle {
  /** Stops it (tests; the pool never stops its workers). */
  terminate(): void;
}

export interface Platform {
  /** Which implementation this is. */
  readonly name: 'node' | 'browser';
  /** Logical CPUs the host reports (1 when it reports none). */
  cpuCount(): number;
  /** An environment variable, or undefined (always undefined where there is no environment). */
  env(name: string): string | undefined;
  /** Shows a warning the way the host shows them (`process.emitWarning`, `console.warn`). */
  warn(message: string): void;
  /**
   * Why this thread cannot share work with worker threads, or null when it can: the threads
   * need a memory shared with the workers and a calling thread that may block in `Atomics.wait`.
   */
  threadsUnavailable(): string | null;
  /**
   * Starts a worker that calls `body` (the source text of a function expression, closed over
   * nothing) with `data`. `onFail` is called with `true` if it fails (to start, or later with an
   * error) and with `false` if it exits. Null when the host cannot start one.
   */
  startWorker(
    body: string,
    data: KernelWorkerData,
    onFail: (failed: boolean) => void,
  ): WorkerHandle | null;
  /**
   * Turns on the host's relaxed-SIMD support where it is behind a flag (Node 20); false when
   * that cannot be done.
   */
  enableRelaxedSimd(): boolean;
}

function isNode(): boolean {
  return (
    typeof process !== 'undefined' &&
    typeof process.versions === 'object' &&
    typeof process.versions.node === 'string' &&
    typeof process.getBuiltinModule === 'function'
  );
}

/** The platform tapegrad runs on, chosen once when the package loads. */
export const platform: Platform = isNode() ? nodePlatform() : browserPlatform();
