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
import { isGradEnabled } from '../autograd/grad-mode.js';
import {
  batchNormBackwardKernel,
  batchNormForwardKernel,
  evalStatsKernel,
  unbiasedVarianceKernel,
} from '../kernels/batchnorm.js';
import { allocate, type FloatStorage } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { updateRunningStats, type BatchNormLayout } from './batch-norm-checks.js';
import { correctedMean } from './batch-norm-composite.js';

interface FusedParams {
  layout: BatchNormLayout;
  eps: number;
  /** Precomputed (mean, invstd) from running statistics, or null to use batch statistics. */
  constStats: { mean: Float64Array; invstd: Float64Array } | null;
  hasWeight: boolean;
  hasBias: boolean;
}

const f64 = (data: Float64Array): Tensor => new Tensor(data, [data.length]);

const batchNormP = definePrimitive({
  name: 'batchNorm',
  backwardName: 'NativeBatchNormBackward0',
  forward(inputs, p: FusedParams) {
    const [x] = inputs;
    const weight = p.hasWeight ? inputs[1] : null;
    const bias = p.hasBias ? inputs[p.hasWeight ? 2 : 1] : null;
    const { n, c, l } = p.layout;
    const y = allocate(x.dtype, x.size) as FloatStorage;
    const { mean, invstd, sumSq } = batchNormForwardKernel(
      y,
      x.data as FloatStorage,
      weight === null ? null : (weight.data as FloatStorage),
      bias === null ? null : (bias.data as FloatStorage),
      n,
      c,
      l,
      p.eps,
      p.constStats,
    );
    const m = n * l;
    const varUnbiased = sumSq === null ? new Float64Array(0) : unbiasedVarianceKernel(sumSq, m);
    const meanT = f64(mean);
    const saved: Tensor[] =
      weight === null ? [x, meanT, f64(invstd)] : [x, meanT, f64(invstd), weight];
    return { out: new Tensor(y, x.shape), saved, aux: [meanT, f64(varUnbiased)] };
  },
  vjp({ g, saved, params: p, needs }) {
    const [x, mean, invstd] = saved;
    const weight = p.hasWeight ? saved[3] : null;
    const { dx, dweight, dbias } = isGradEnabled()
      ? backwardWithOps(g, x, mean, invstd, weight, p)
      : backwardWithKernel(g, x, mean, invstd, weight, p, needs[0]);
    const grads: (Tensor | null)[] = [dx];
    if (p.hasWeight) grads.push(dweight);
    if (p.hasBias) grads.push(dbias);
    return grads;
  },
});

interface Grads {
  dx: Tensor | null;
  dweight: Tensor;
  dbias: Tensor;
}

function backwardWithKernel(
  g: Tensor,
  x: Tensor,
  mean: Tensor,
  invstd: Tensor,
  weight: Tensor | null,
  p: FusedParams,
  needDx: boolean,
): Grads {
  const { n, c, l } = p.layout;
  const dx = needDx ? (allocate(x.dtype, x.size) as FloatStorage) : null;
  const r = batchNormBackwardKernel(
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
  );
  const perChannel = (v: Float64Array): Tensor => {
    const out = allocate(x.dtype, c);
    out.set(v);
    return new Tensor(out, [c]);
  };
  return {
    dx: r.dx === null ? null : new Tensor(r.dx, x.shape),
    dweight: perChannel(r.dweight),
    dbias: perChannel(r.dbias),
  };
}

/** The same closed form in tensor ops, recorded under createGraph (statistics recomputed from x). */
function backwardWithOps(
  g: Tensor,
  x: Tensor,
  mean: Tensor,
  invstd: Tensor,
  weight: Tensor | null,
  p: FusedParams,
): Grads {
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
  const useBatch = training || runningMean === null || runningVar === null;
  const constStats = useBatch
    ? null
    : evalStatsKernel(runningMean.data as FloatStorage, runningVar.data as FloatStorage, eps);
  const inputs = [input];
  if (weight !== null) inputs.push(weight);
  if (bias !== null) inputs.push(bias);
  const [y, batchMean, batchVar] = applyWithAux(batchNormP, inputs, {
    layout,
    eps,
    constStats,
    hasWeight: weight !== null,
    hasBias: bias !== null,
  });
  if (training && runningMean !== null && runningVar !== null) {
    updateRunningStats(runningMean, runningVar, batchMean.data, batchVar.data, momentum);
  }
  return y;
}
