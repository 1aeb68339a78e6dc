/**
 * BatchNorm as one fused op: its own forward kernel and a closed-form backward.
 *
 * Must equal {@link batchNormComposite} (same inputs, same outputs, same gradients, same running
 * statistics); the property tests hold it to that.
 *
 * Backward, with M = N·L values per channel, x̂ = (x − mean)·invstd and ĝ = dy·weight:
 *   dx      = invstd/M · (M·ĝ − Σĝ − x̂·Σ(ĝ·x̂))   (batch statistics: training, or no running stats)
 *   dx      = ĝ·invstd                             (running statistics: constants)
 *   dweight = Σ dy·x̂,  dbias = Σ dy               (sums over N and L)
 *
 * Saved for backward: a reference to the input x (no copy: the caller holds it anyway), a
 * reference to the weight, and two float64 vectors per channel, mean and invstd: 16·C bytes of new
 * memory (2 KiB for C = 128). x̂ is recomputed from x rather than stored, which would cost a whole
 * input-sized tensor.
 *
 * Second order: the backward runs the raw kernel when it is not being recorded. Under
 * `createGraph` it instead evaluates the same closed form with tensor ops, recomputing mean and
 * invstd from x on the tape, so that its own derivatives come out of the engine.
 */
import { applyWithAux, definePrimitive } from '../autograd/function.js';
import {
  batchNormBackwardKernel,
  batchNormForwardKernel,
  evalStatsKernel,
  unbiasedVarianceKernel,
} from '../kernels/batchnorm.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { emptyTensor, scoped, type Tensor } from '../tensor/tensor.js';
import { updateRunningStats, type BatchNormLayout } from './batch-norm-checks.js';
import { correctedMean } from './batch-norm-composite.js';
import {
  affineInputs,
  f64,
  forwardOperands,
  kernelGrads,
  saveStats,
  normVjp,
  type NormGrads,
  type SavedStats,
  type NormParams,
} from './norm-affine.js';

interface FusedParams extends NormParams<BatchNormLayout> {
  /** Precomputed (mean, invstd) from running statistics, or null to use batch statistics. */
  constStats: { mean: Float64Array; invstd: Float64Array } | null;
}

const batchNormP = definePrimitive({
  name: 'batchNorm',
  backwardName: 'NativeBatchNormBackward0',
  forward(inputs, p: FusedParams) {
    const { x, weight, y, data } = forwardOperands(inputs, p);
    const { n, c, l } = p.layout;
    const { mean, invstd, sumSq } = batchNormForwardKernel(
      data.y,
      data.x,
      data.weight,
      data.bias,
      n,
      c,
      l,
      p.eps,
      p.constStats,
    );
    const { saved, mean: meanT } = saveStats(x, mean, invstd, weight);
    // The unbiased batch variance, for the running statistics; none under constant statistics.
    const varT =
      sumSq === null ? emptyTensor([0], 'float64') : f64(unbiasedVarianceKernel(sumSq, n * l));
    return { out: y, saved, aux: [meanT, varT] };
  },
  vjp: ({ g, saved, params: p, needs }) =>
    normVjp(g, saved, p, needs[0], { withKernel: backwardWithKernel, withOps: backwardWithOps }),
});

function backwardWithKernel(
  g: Tensor,
  { x, mean, invstd, weight }: SavedStats,
  p: FusedParams,
  needDx: boolean,
): NormGrads {
  const { n, c, l } = p.layout;
  return kernelGrads(x, needDx, c, (dx) =>
    batchNormBackwardKernel(
      dx,
      g.data as FloatStorage,
      x.data as FloatStorage,
      mean.data as Float64Array,
      invstd.data as Float64Array,
      weight === null ? null : (weight.data as FloatStorage),
      n,
      c,
      l,
      p.constStats === null,
    ),
  );
}

/** The same closed form in tensor ops, recorded under createGraph (statistics recomputed from x). */
function backwardWithOps(
  g: Tensor,
  { x, mean, invstd, weight }: SavedStats,
  p: FusedParams,
): NormGrads {
  const { dims, channelShape } = p.layout;
  const xd = x.double();
  const gd = g.double();
  const ghat = weight === null ? gd : gd.mul(weight.double().reshape(channelShape));
  let xhat: Tensor;
  let dx: Tensor;
  if (p.constStats === null) {
    const centered = xd.sub(correctedMean(xd, dims));
    const is = centered.mul(centered).mean(dims, true).add(p.eps).rsqrt();
    xhat = centered.mul(is);
    dx = is.mul(ghat.sub(ghat.mean(dims, true)).sub(xhat.mul(ghat.mul(xhat).mean(dims, true))));
  } else {
    const is = invstd.reshape(channelShape);
    xhat = xd.sub(mean.reshape(channelShape)).mul(is);
    dx = ghat.mul(is);
  }
  return { dx, dweight: gd.mul(xhat).sum(dims), dbias: gd.sum(dims) };
}

export function batchNormFused(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
  layout: BatchNormLayout,
): Tensor {
  // The aux outputs (batch mean and variance) are intermediates here: released on return.
  return scoped('batchNorm', () => {
    const useBatch = training || runningMean === null || runningVar === null;
    const constStats = useBatch
      ? null
      : evalStatsKernel(runningMean.data as FloatStorage, runningVar.data as FloatStorage, eps);
    const { inputs, flags } = affineInputs(input, weight, bias);
    const [y, batchMean, batchVar] = applyWithAux(batchNormP, inputs, {
      layout,
      eps,
      constStats,
      ...flags,
    });
    if (training && runningMean !== null && runningVar !== null) {
      updateRunningStats(runningMean, runningVar, batchMean, batchVar, momentum);
    }
    return y;
  });
}
