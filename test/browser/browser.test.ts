/**
 * tapegrad in Chromium: the same computations as in Node give the same bits, on a cross-origin
 * isolated page, under a strict Content Security Policy, and in a module Worker with threads.
 * Run with `npm run test:browser` (vitest.browser.config.ts); needs Debian's chromium.
 */
import { describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildTestPages } from './build.js';
import { mlpTraining, quickstart, type MlpResult, type QuickstartResult } from './cases.js';
import { result, useChromium } from './harness.js';
import { STRICT_CSP } from './server.js';

const { open } = useChromium(
  buildTestPages,
  fileURLToPath(new URL('./dist/pages/', import.meta.url)),
);

interface Env {
  isolated: boolean;
  threads: number;
}

describe('the quick start', () => {
  it('gives the same bits on a cross-origin isolated page as in Node', async () => {
    const got = await result<{ env: Env; result: QuickstartResult }>(
      await open('cases.html?case=quickstart'),
    );
    expect(got.env.isolated).toBe(true);
    expect(got.result).toEqual(quickstart());
  });

  it('prints what it prints in Node when examples/quickstart.ts itself runs in a page', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('../../examples/quickstart.js');
    const printed = log.mock.calls.map((args) => args.join(' '));
    log.mockRestore();
    expect(printed).toHaveLength(3);

    const page = await open('example.html');
    await result(page);
    const logged = page.console.filter((m) => m.type() === 'log').map((m) => m.text());
    expect(logged).toEqual(printed);
  });

  it("runs under a strict CSP (script-src 'self' 'wasm-unsafe-eval': no eval, no inline script)", async () => {
    const page = await open('csp/cases.html?case=quickstart');
    expect(page.headers['content-security-policy']).toBe(STRICT_CSP);
    const got = await result<{ env: Env; result: QuickstartResult }>(page);
    // A violation would be reported on the console even where the library caught it.
    const violations = page.console.filter((m) => /Content Security Policy/i.test(m.text()));
    expect(violations.map((m) => m.text())).toEqual([]);
    expect(got.result).toEqual(quickstart());
  });
});

describe('an MLP with BatchNorm1d trained with SGD', () => {
  // 64×784·784×256 runs on two threads in Node here (two cores) and on one on a page's main
  // thread: the split between threads changes no bit of any product.
  for (const impl of ['fused', 'composite'] as const) {
    it(`reaches the same losses and weights, bit for bit, as in Node (${impl} BatchNorm)`, async () => {
      const got = await result<{ env: Env; result: MlpResult }>(
        await open(`cases.html?case=mlp&impl=${impl}`),
      );
      const node = mlpTraining({ impl });
      expect(got.result.lossValues).toEqual(node.lossValues);
      expect(got.result.losses).toEqual(node.losses);
      expect(got.result.state).toEqual(node.state);
      // And it learned: the fixed batch is fitted.
      expect(node.lossValues.at(-1)!).toBeLessThan(node.lossValues[0] / 2);
    });
  }
});

describe('threads', () => {
  // Needs the platform branch (Web Worker kernel threads); skipped until it is merged.
  it(
    'a 512³ float32 matmul in a module Worker is faster on 2 threads than on 1, with the same bits',
    // Best of 40 products each (0.4 s): a machine busy with other work takes the second core
    // away most of the time, but seldom for a whole run; when it does, try again.
    { retry: 2 },
    async () => {
      const got = await result<{
        isolated: boolean;
        ms1: number;
        ms2: number;
        threads1: number;
        threads2: number;
        workerChunks1: number;
        workerChunks2: number;
        sameBits: boolean;
      }>(await open('matmul.html?size=512&reps=40'), 120_000);
      console.log(
        `512³ float32 matmul in a Chromium module Worker, best of 40: ` +
          `1 thread ${got.ms1.toFixed(2)} ms, 2 threads ${got.ms2.toFixed(2)} ms ` +
          `(${(got.ms1 / got.ms2).toFixed(2)}x); chunks computed by the kernel worker: ` +
          `${got.workerChunks1} on 1 thread, ${got.workerChunks2} on 2`,
      );
      expect(got.isolated).toBe(true);
      expect([got.threads1, got.threads2]).toEqual([1, 2]);
      expect(got.sameBits).toBe(true);
      expect(got.workerChunks1).toBe(0);
      expect(got.workerChunks2).toBeGreaterThan(0);
      // Faster by a margin that timing noise alone does not give (one thread, timed twice,
      // differs by a few per cent); two cores give about 1.8x.
      expect(got.ms2).toBeLessThan(got.ms1 / 1.2);
    },
  );

  it("setNumThreads(2) on a page's main thread warns and getNumThreads() stays 1", async () => {
    const page = await open('threads.html');
    const got = await result<{ isolated: boolean; before: number; after: number }>(page);
    expect(got).toEqual({ isolated: true, before: 1, after: 1 });
    const warnings = page.console.filter((m) => m.type() === 'warning').map((m) => m.text());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/main thread/);
  });
});
