/**
 * LayerNorm as one fused op: the grouped-norm primitive of `group-norm-fused.ts` on the input
 * viewed as `[outer, 1, M, 1]` (M = ∏ normalized dims), so the statistics are per sample and the
 * affine parameters per normalized position.
 *
 * Must equal {@link layerNormComposite}. Closed-form backward, with x̂ = (x − mean)·invstd and
 * ĝ = dy·weight, means over the M normalized values of a sample:
 *   dx = invstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  dweight = Σ dy·x̂,  dbias = Σ dy  (sums over samples)
 * Second order: under `createGraph` the same closed form runs as recorded tensor ops.
 */
import { groupedNormFused } from './group-norm-fused.js';

export const layerNormFused = groupedNormFused('layerNorm', 'NativeLayerNormBackward0');
