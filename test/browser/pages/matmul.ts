/**
 * `matmul.html?size=512&reps=10`: starts matmul-worker.js as a module Worker and publishes what it
 * measured.
 */
import { query, Worker } from './globals.js';
import { report } from './report.js';

const params = query();
report(
  () =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./matmul-worker.js', import.meta.url), { type: 'module' });
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
      worker.postMessage({
        size: Number(params.get('size') ?? 512),
        reps: Number(params.get('reps') ?? 10),
      });
    }),
);
