/**
 * Fused equals composite, for every row of the norm table (src/ops/norm-table.ts), by the same
 * per-case check that `tapegrad/testing`'s `proveFusedEqualsComposite` runs: outputs, all input
 * gradients for random upstream gradients, running statistics changed in place, and second
 * derivatives along random directions agree to 1e-10 in float64; and both implementations pass
 * gradcheck and gradgradcheck. The seed is fixed in test/setup.ts.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { normTable } from '../src/ops/norm-table.js';
import { checkFusedEqualsComposite } from '../src/testing/index.js';

/** Largest relative difference seen per row, printed with NORM_PROPERTY_REPORT=1. */
const worst = new Map<string, number>();

describe.each(normTable.map((row) => [row.name, row] as const))('%s', (name, row) => {
  test.prop([row.cases(fc), fc.nat(0x7fffffff)])(
    'fused equals composite: output, gradients, running statistics, second derivatives (float64, 1e-10)',
    (c, seed) => {
      // The tool's float64 tolerances: 1e-10 relative, with a 1e-12 floor for all-tiny quantities.
      const report = checkFusedEqualsComposite({ ...row, name }, c, seed);
      // Output, one gradient and one second derivative per differentiable input at least.
      const grads = c.inputs.filter((t) => t.requiresGrad).length;
      expect(report.differences.length).toBeGreaterThanOrEqual(1 + 2 * grads);
      worst.set(name, Math.max(worst.get(name) ?? 0, report.maxRel));
      if (process.env.NORM_PROPERTY_REPORT === '1') console.log(name, worst.get(name));
    },
  );

  test.prop([row.gradcheckCases(fc), fc.nat(1000)], { numRuns: 15 })(
    'fused and composite both pass gradcheck and gradgradcheck (float64)',
    (c, seed) => {
      const report = checkFusedEqualsComposite(
        {
          ...row,
          name,
          gradcheck: true,
          gradcheckOptions: { atol: 1e-4, rtol: 1e-3 },
        },
        c,
        seed,
      );
      // checkFusedEqualsComposite throws on any failure; this only confirms what was compared.
      expect(report.differences.length).toBeGreaterThanOrEqual(3);
    },
  );
});
