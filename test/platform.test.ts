/**
 * The platform layer (src/platform) as a browser sees it, simulated in child Node processes
 * without `process.getBuiltinModule` (so tapegrad picks its browser implementation):
 * - a page's main thread runs on one thread: `setNumThreads(2)` warns, saying to train in a
 *   Worker, and `getNumThreads()` says 1;
 * - a Worker of a page that is not cross-origin isolated: the same, saying why;
 * - a Worker of an isolated page starts its kernel workers from a Blob URL (module Web Workers,
 *   simulated by a `Worker` that reads the Blob and runs it in a `worker_threads` worker that
 *   speaks `self.onmessage`), and the shared products equal the one-thread product bit for bit.
 * test/browser runs the real thing in browsers.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** Runs `body` (ESM) in a child Node process that looks like a browser context of `kind`. */
function inBrowser(kind: 'page' | 'worker' | 'isolated worker', body: string) {
  const script = `
    import { Worker as NodeWorker } from 'node:worker_threads';
    import { resolveObjectURL } from 'node:buffer';
    delete process.getBuiltinModule;
    if (${JSON.stringify(kind)} !== 'page') {
      globalThis.WorkerGlobalScope = class { static [Symbol.hasInstance]() { return true; } };
    }
    globalThis.crossOriginIsolated = ${JSON.stringify(kind === 'isolated worker')};
    globalThis.navigator = { hardwareConcurrency: 4 };
    // A module Web Worker from a Blob URL, run in a worker_threads worker: the Blob's source
    // text as it is, with a 'self' whose onmessage receives the posted messages.
    globalThis.Worker = class {
      constructor(url, options) {
        if (options.type !== 'module') throw new Error('expected a module worker');
        this.pending = [];
        this.blob = resolveObjectURL(url);
        if (this.blob === undefined) throw new Error('not a Blob URL: ' + url);
        this.blob.text().then((source) => {
          const w = new NodeWorker(
            "const { parentPort } = process.getBuiltinModule('node:worker_threads');" +
              "const self = globalThis;" +
              "parentPort.once('message', (data) => self.onmessage({ data }));" +
              source,
            { eval: true },
          );
          w.unref();
          for (const m of this.pending) w.postMessage(m);
          this.worker = w;
        });
      }
      postMessage(m) { this.worker ? this.worker.postMessage(m) : this.pending.push(m); }
      addEventListener() {}
      terminate() { this.worker?.terminate(); }
    };
    const warnings = [];
    console.warn = (m) => warnings.push(m);
    const k = await import('./src/kernels/wasm/index.ts');
    ${body}
  `;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    { cwd: repo, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`child failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const oneThread = `
  k.setNumThreads(2);
  const n = 256, kk = 784, m = 256;
  console.log(JSON.stringify({
    threads: k.getNumThreads(),
    matmulThreads: k.matmulThreads(n, kk, m),
    warnings,
  }));
`;

describe('the browser platform', () => {
  it("runs on one thread on a page's main thread, and says to train in a Worker", () => {
    const out = inBrowser('page', oneThread);
    expect(out.threads).toBe(1);
    expect(out.matmulThreads).toBe(1);
    expect(out.warnings).toEqual([
      "tapegrad: setNumThreads(2): running on 1 thread, because a browser's main thread may not wait for other threads (Atomics.wait): train in a Worker for threads",
    ]);
  });

  it('runs on one thread in a Worker of a page that is not cross-origin isolated, saying why', () => {
    const out = inBrowser('worker', oneThread);
    expect(out.threads).toBe(1);
    expect(out.matmulThreads).toBe(1);
    expect(String((out.warnings as string[])[0])).toContain('not cross-origin isolated');
  });

  it('falls back to one thread, with a warning, where a worker cannot start (CSP without blob:)', () => {
    const out = inBrowser(
      'isolated worker',
      `
      globalThis.Worker = class {
        constructor() { throw new Error("Refused by the page's Content Security Policy"); }
      };
      k.setNumThreads(2);
      const before = k.getNumThreads();
      const n = 256, kk = 784, m = 256;
      const out = new Float32Array(n * m);
      k.matmulF32(out, new Float32Array(n * kk).fill(1), new Float32Array(kk * m).fill(1), n, kk, m);
      console.log(JSON.stringify({ before, after: k.getNumThreads(), value: out[0], warnings }));
      `,
    );
    expect(out.before).toBe(2);
    expect(out.after).toBe(1);
    expect(out.value).toBe(784);
    expect(out.warnings).toEqual([
      'tapegrad: a kernel worker thread failed to start or failed (in a browser, a Content Security Policy needs worker-src blob: for them): running on 1 thread from now on',
    ]);
  });

  it('shares products with Blob-URL module workers in an isolated Worker, bit for bit', () => {
    const out = inBrowser(
      'isolated worker',
      `
      const n = 256, kk = 784, m = 256;
      const a = new Float32Array(n * kk).map((_, i) => Math.sin(i));
      const b = new Float32Array(kk * m).map((_, i) => Math.cos(i));
      const defaultThreads = k.getNumThreads();
      k.setNumThreads(1);
      const one = new Float32Array(n * m);
      k.matmulF32(one, a, b, n, kk, m);
      k.setNumThreads(3);
      const start = Date.now();
      while (k.matmulThreads(n, kk, m) < 3 && Date.now() - start < 30000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      // Back to back, as in training, so that the workers are awake and take chunks.
      let same = true;
      for (let i = 0; i < 20; i++) {
        const three = new Float32Array(n * m);
        k.matmulF32(three, a, b, n, kk, m);
        same &&= one.every((v, j) => Object.is(v, three[j]));
      }
      console.log(JSON.stringify({
        defaultThreads,
        threads: k.getNumThreads(),
        matmulThreads: k.matmulThreads(n, kk, m),
        same,
        workerChunks: k.workerChunks(),
        warnings,
      }));
      `,
    );
    expect(out.defaultThreads).toBe(4); // navigator.hardwareConcurrency
    expect(out.threads).toBe(3);
    expect(out.matmulThreads).toBe(3);
    expect(out.same).toBe(true);
    expect((out.workerChunks as number[]).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(out.warnings).toEqual([]);
  });
});
