/**
 * The platform layer on Node.js (and hosts that provide its `process.getBuiltinModule`): kernel
 * workers are `worker_threads` started from source text, and are `unref()`ed so that they never
 * keep the process alive.
 */
import type { Platform } from './index.js';

export function nodePlatform(): Platform {
  return {
    name: 'node',
    cpuCount: () => process.getBuiltinModule('node:os').availableParallelism(),
    env: (name) => process.env[name],
    warn: (message) => process.emitWarning(message),
    threadsUnavailable: () => null,
    startWorker(body, data, onFail) {
      const { Worker } = process.getBuiltinModule('node:worker_threads');
      // An eval'd worker inherits the parent's flags, so it is a script or a module (under
      // --input-type=module) and can use neither `require` nor `import` everywhere.
      const source = `(${body})(process.getBuiltinModule('node:worker_threads').workerData);`;
      const worker = new Worker(source, { eval: true, workerData: data });
      worker.unref();
      worker.on('error', () => onFail(true));
      worker.on('exit', () => onFail(false));
      return { terminate: () => void worker.terminate() };
    },
    enableRelaxedSimd() {
      try {
        process.getBuiltinModule('node:v8').setFlagsFromString('--experimental-wasm-relaxed-simd');
        return true;
      } catch {
        return false;
      }
    },
  };
}
