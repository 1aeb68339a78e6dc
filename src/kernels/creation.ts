/** Fills for the creation functions: ranges and the identity. */
import type { Storage } from '../tensor/dtype.js';

/** out[i] = start + i·step. */
export function arangeKernel(out: Storage, start: number, step: number): void {
  for (let i = 0; i < out.length; i++) out[i] = start + i * step;
}

/**
 * `out.length` evenly spaced values from `start` to `end` inclusive, as PyTorch computes them:
 * from the start for the first half, from the end for the second.
 */
export function linspaceKernel(out: Storage, start: number, end: number): void {
  const steps = out.length;
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++)
    out[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  if (steps === 1) out[0] = start;
}

/** The n × m identity. */
export function eyeKernel(out: Storage, n: number, m: number): void {
  out.fill(0);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
}
