/**
 * The WebAssembly kernels: the committed binary is what the WAT source assembles to, and every
 * fast kernel agrees with the plain TypeScript reference within the stated error bound.
 */
import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { matmulF32 } from '../src/kernels/wasm/index.js';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { generate } from '../scripts/build-wasm.mjs';

describe('the WebAssembly kernels', () => {
  it('are exactly what scripts/build-wasm.mjs assembles from the .wat sources', async () => {
    const committed = readFileSync(
      new URL('../src/kernels/wasm/generated.ts', import.meta.url),
      'utf8',
    );
    expect(await (generate as () => Promise<string>)()).toBe(committed);
  });

  // f32 accumulation of k products: |c − exact| ≤ γ_k·Σ|a||b| with γ_k = k·u/(1 − k·u), u = 2⁻²⁴.
  test.prop([
    fc.integer({ min: 1, max: 37 }),
    fc.integer({ min: 1, max: 70 }),
    fc.integer({ min: 1, max: 37 }),
    fc.nat(1000),
  ])(
    'matmul agrees with the float64 reference within the f32 accumulation bound',
    (n, k, m, seed) => {
      const a = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 1.3 + seed) * 3);
      const b = Float32Array.from({ length: k * m }, (_, i) => Math.cos(i * 0.7 - seed));
      const out = new Float32Array(n * m);
      matmulF32(out, a, b, n, k, m);
      const u = 2 ** -24;
      const gamma = (k * u) / (1 - k * u);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let exact = 0;
          let magnitude = 0;
          for (let p = 0; p < k; p++) {
            exact += a[i * k + p] * b[p * m + j];
            magnitude += Math.abs(a[i * k + p] * b[p * m + j]);
          }
          // One more rounding: the float64 reference itself and the final store.
          expect(Math.abs(out[i * m + j] - exact)).toBeLessThanOrEqual(
            gamma * magnitude + u * Math.abs(exact),
          );
        }
      }
    },
  );

  it('handles operands larger than the initial WebAssembly memory', () => {
    const n = 300;
    const k = 300;
    const m = 300;
    const a = new Float32Array(n * k).fill(0.5);
    const b = new Float32Array(k * m).fill(2);
    const out = new Float32Array(n * m);
    matmulF32(out, a, b, n, k, m);
    expect(out.every((v) => v === k)).toBe(true);
  });
});
