/**
 * GroupNorm (and LayerNorm, which is the same computation on another view of the input) as one
 * fused op: its own forward kernel and a closed-form backward.
 *
 * Must equal {@link groupNormComposite} (and {@link layerNormComposite} for the LayerNorm view):
 * same inputs, same outputs, same gradients; the norm table (src/ops/norm-table.ts) and its
 * property suite hold it to that.
 *
 * The input is viewed as `[outer, G, K, L]`; mean and invstd are taken per (outer, g) over the
 * M = K·L values, and weight and bias have G·K entries, repeated along L. With
 * x̂ = (x − mean)·invstd and ĝ = dy·weight:
 *   dx      = invstd · (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))        (means over the M values of a group)
 *   dweight = Σ dy·x̂,  dbias = Σ dy                       (sums over outer and L)
 *
 * Saved for backward: references to x and weight, and two float64 vectors of outer·G values
 * (mean and invstd); x̂ is recomputed from x rather than stored.
 *
 * Second order: the backward runs the raw kernel when it is not being recorded. Under
 * `createGraph` it evaluates the same closed form with tensor ops, recomputing the statistics from
 * x on the tape, so that its own derivatives come out of the engine.
 */
import { apply, definePrimitive } from '../autograd/function.js';
import {
  groupNormBackwardKernel,
  groupNormForwardKernel,
  type GroupLayout,
} from '../kernels/groupnorm.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { scoped, type Tensor } from '../tensor/tensor.js';
import { correctedMean } from './batch-norm-composite.js';
import {
  affineInputs,
  forwardOperands,
  kernelGrads,
  saveStats,
  normVjp,
  type NormGrads,
  type SavedStats,
  type NormParams,
} from './norm-affine.js';

type GroupNormParams = NormParams<GroupLayout>;

/** The primitive under `name`. */
const groupedNormPrimitive = (name: string, backwardName: string) =>
  definePrimitive({
    name,
    backwardName,
    forward(inputs, p: GroupNormParams) {
      const { x, weight, y, data } = forwardOperands(inputs, p);
      const { mean, invstd } = groupNormForwardKernel(
        data.y,
        data.x,
        data.weight,
        data.bias,
        p.layout,
        p.eps,
      );
      return { out: y, saved: saveStats(x, mean, invstd, weight).saved };
    },
    // The parameter gradients in the parameters' own shape (LayerNorm's: the normalized shape).
    vjp: ({ g, saved, params: p, needs, inputs }) =>
      normVjp(
        g,
        saved,
        p,
        needs[0],
        { withKernel: backwardWithKernel, withOps: backwardWithOps },
        inputs.length > 1 ? inputs[1].shape : [],
      ),
  });

function backwardWithKernel(
  g: Tensor,
  { x, mean, invstd, weight }: SavedStats,
  p: GroupNormParams,
  needDx: boolean,
): NormGrads {
  const { groups, k } = p.layout;
  return kernelGrads(x, needDx, groups * k, (dx) =>
    groupNormBackwardKernel(
      dx,
      g.data as FloatStorage,
      x.data as FloatStorage,
      { mean: mean.data as Float64Array, invstd: invstd.data as Float64Array },
      weight === null ? null : (weight.data as FloatStorage),
      p.layout,
    ),
  );
}

/** The same closed form in tensor ops, recorded under createGraph (statistics recomputed from x). */
function backwardWithOps(g: Tensor, { x, weight }: SavedStats, p: GroupNormParams): NormGrads {
  const { outer, groups, k, l } = p.layout;
  const view = [outer, groups, k, l];
  const dims = [2, 3];
  const xd = x.double().reshape(view);
  const gd = g.double().reshape(view);
  const ghat = weight === null ? gd : gd.mul(weight.double().reshape([groups, k, 1]));
  const centered = xd.sub(correctedMean(xd, dims));
  const is = centered.mul(centered).mean(dims, true).add(p.eps).rsqrt();
  const xhat = centered.mul(is);
  const dx = is.mul(ghat.sub(ghat.mean(dims, true)).sub(xhat.mul(ghat.mul(xhat).mean(dims, true))));
  return {
    dx: dx.reshape(x.shape).to(x.dtype),
    dweight: gd.mul(xhat).sum([0, 3]).reshape(-1).to(x.dtype),
    dbias: gd.sum([0, 3]).reshape(-1).to(x.dtype),
  };
}

/**
 * A fused per-group normalisation of `input` viewed as `layout`, with optional affine parameters
 * of G·K entries (any shape holding them in that order). Arguments are checked by the caller.
 */
export type GroupedNormFused = (
  input: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  layout: GroupLayout,
) => Tensor;

/** The fused op under GroupNorm's or LayerNorm's name (PyTorch's grad_fn names differ). */
export function groupedNormFused(name: string, backwardName: string): GroupedNormFused {
  const prim = groupedNormPrimitive(name, backwardName);
  return (input, weight, bias, eps, layout) =>
    scoped(name, () => {
      const { inputs, flags } = affineInputs(input, weight, bias);
      return apply(prim, inputs, { layout, eps, ...flags });
    });
}

/** GroupNorm over (N, C, *) input viewed as `[N, G, C/G, ∏ trailing]`; must equal {@link groupNormComposite}. */
export const groupNormFused = groupedNormFused('groupNorm', 'NativeGroupNormBackward0');
