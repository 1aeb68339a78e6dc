/**
 * What the fused normalisations (batch-norm-fused.ts, group-norm-fused.ts) share: how their
 * optional affine parameters travel through a primitive, and how the gradients come back out.
 * Each fused primitive takes [x, weight?, bias?] and saves [x, mean, invstd, weight?], mean and
 * invstd being float64 vectors of per-group statistics; its VJP returns [dx, dweight?, dbias?].
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { emptyTensor, type Tensor } from '../tensor/tensor.js';

/** Which affine parameters a call was given. */
export interface AffineFlags {
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
}

/** A fused norm primitive's parameters: the input's layout, eps, and the affine flags. */
export interface NormParams<L> extends AffineFlags {
  readonly layout: L;
  readonly eps: number;
}

/** The primitive's inputs for x and the parameters given, and the flags that say which. */
export function affineInputs(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
): { inputs: Tensor[]; flags: AffineFlags } {
  const inputs = [x];
  if (weight !== null) inputs.push(weight);
  if (bias !== null) inputs.push(bias);
  return { inputs, flags: { hasWeight: weight !== null, hasBias: bias !== null } };
}

/**
 * The forward's operands out of the primitive's inputs: x, the weight, and y allocated like x;
 * with the storages of all four for the kernel, taken after that allocation (growing an unshared
 * memory detaches views taken before).
 */
export function forwardOperands(
  inputs: readonly Tensor[],
  p: AffineFlags,
): {
  x: Tensor;
  weight: Tensor | null;
  y: Tensor;
  data: {
    y: FloatStorage;
    x: FloatStorage;
    weight: FloatStorage | null;
    bias: FloatStorage | null;
  };
} {
  const [x] = inputs;
  const weight = p.hasWeight ? inputs[1] : null;
  const bias = p.hasBias ? inputs[p.hasWeight ? 2 : 1] : null;
  const y = emptyTensor(x.shape, x.dtype);
  const data = {
    y: y.data as FloatStorage,
    x: x.data as FloatStorage,
    weight: weight === null ? null : (weight.data as FloatStorage),
    bias: bias === null ? null : (bias.data as FloatStorage),
  };
  return { x, weight, y, data };
}

/** A float64 vector holding `values` (the per-group results the kernels return). */
export function f64(values: Float64Array): Tensor {
  const t = emptyTensor([values.length], 'float64');
  t.data.set(values);
  return t;
}

/** What the backward keeps: x, the statistics as float64 tensors, and the weight if given. */
export function saveStats(
  x: Tensor,
  mean: Float64Array,
  invstd: Float64Array,
  weight: Tensor | null,
): { saved: Tensor[]; mean: Tensor } {
  const meanT = f64(mean);
  const invstdT = f64(invstd);
  return {
    saved: weight === null ? [x, meanT, invstdT] : [x, meanT, invstdT, weight],
    mean: meanT,
  };
}

/** The saved tensors of {@link saveStats}, by name. */
export interface SavedStats {
  x: Tensor;
  mean: Tensor;
  invstd: Tensor;
  weight: Tensor | null;
}

/** One way of computing a fused norm's backward from the upstream gradient and what was saved. */
export type NormBackward<P> = (g: Tensor, s: SavedStats, p: P, needDx: boolean) => NormGrads;

/**
 * A fused norm's VJP. Under `createGraph` (the backward itself recorded) the closed form runs as
 * tensor ops, `withOps`, so that it has derivatives of its own; otherwise as the raw kernel,
 * `withKernel`. The parameter gradients come back in `paramShape` if given.
 */
export function normVjp<P extends AffineFlags>(
  g: Tensor,
  saved: readonly Tensor[],
  p: P,
  needDx: boolean,
  backward: { withKernel: NormBackward<P>; withOps: NormBackward<P> },
  paramShape?: readonly number[],
): (Tensor | null)[] {
  const [x, mean, invstd] = saved;
  const s = { x, mean, invstd, weight: p.hasWeight ? saved[3] : null };
  const run = isGradEnabled() ? backward.withOps : backward.withKernel;
  return affineGrads(run(g, s, p, needDx), p, paramShape);
}

/** A fused norm's gradients: dx (null when not needed) and those of the G affine entries. */
export interface NormGrads {
  dx: Tensor | null;
  dweight: Tensor;
  dbias: Tensor;
}

/** The VJP's list: dx, then dweight and dbias for the parameters given, in `paramShape` if given. */
function affineGrads(
  { dx, dweight, dbias }: NormGrads,
  p: AffineFlags,
  paramShape?: readonly number[],
): (Tensor | null)[] {
  const shaped = (t: Tensor): Tensor => (paramShape === undefined ? t : t.reshape(paramShape));
  const grads: (Tensor | null)[] = [dx];
  if (p.hasWeight) grads.push(shaped(dweight));
  if (p.hasBias) grads.push(shaped(dbias));
  return grads;
}

/**
 * The gradients from a backward kernel: allocates dx (if needed) and the parameter gradients of
 * `params` entries, then runs `kernel`, which must take its views of the other operands itself
 * (growing an unshared memory detaches views taken before these allocations), and copies in the
 * float64 parameter sums it returns.
 */
export function kernelGrads(
  x: Tensor,
  needDx: boolean,
  params: number,
  kernel: (dx: FloatStorage | null) => { dweight: Float64Array; dbias: Float64Array },
): NormGrads {
  const dx = needDx ? emptyTensor(x.shape, x.dtype) : null;
  const dweight = emptyTensor([params], x.dtype);
  const dbias = emptyTensor([params], x.dtype);
  const r = kernel(dx === null ? null : (dx.data as FloatStorage));
  dweight.data.set(r.dweight);
  dbias.data.set(r.dbias);
  return { dx, dweight, dbias };
}
