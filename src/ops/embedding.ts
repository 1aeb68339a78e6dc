/**
 * Embedding lookup: rows of a `[numEmbeddings, dim]` weight picked by int32 indices of any shape,
 * and its adjoint, the scatter-add of rows into a zero weight. The pair are each other's VJP, so
 * gradients of every order exist:
 *
 *   embedding(W, I)[..., :]            = W[I[...], :]
 *   ∂/∂W ⟨G, embedding(W, I)⟩          = embeddingDenseBackward(G, I)   (rows of G added at I)
 *   ∂/∂G ⟨H, embeddingDenseBackward⟩   = H[I[...], :]                   (rows at padding zeroed)
 *
 * With a padding index p the rows of G that land on p are dropped, as in PyTorch: row p of W
 * gets no gradient even though the forward reads it. That makes the first VJP deliberately not
 * the adjoint of the forward at row p; the second one (embeddingDenseBackward ↔ the masked gather)
 * is an exact adjoint pair again, as PyTorch's `embedding_dense_double_backward` is.
 */
import { DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';
import { apply, definePrimitive } from '../autograd/function.js';
import { embeddingGatherKernel, embeddingScatterAddKernel } from '../kernels/embedding.js';
import { outOfRange } from '../kernels/layout.js';
import { fmtShape } from '../tensor/shape.js';
import { emptyTensor, type Tensor } from '../tensor/tensor.js';

/** What both primitives take besides their tensor input. */
interface RowParams {
  indices: Tensor;
  /** The padding row after normalisation, or -1 for none. */
  paddingIdx: number;
}

interface GatherParams extends RowParams {
  /** Write zeros where the index is the padding row (the double-backward form). */
  zeroPadding: boolean;
}

const embeddingP = definePrimitive({
  name: 'embedding',
  backwardName: 'EmbeddingBackward0',
  forward([weight], { indices, paddingIdx, zeroPadding }: GatherParams) {
    const dim = weight.shape[1];
    const out = emptyTensor([...indices.shape, dim], weight.dtype);
    embeddingGatherKernel(
      out.data,
      weight.data,
      indices.data as Int32Array,
      dim,
      paddingIdx,
      zeroPadding,
    );
    return { out, saved: [indices] as const };
  },
  vjp: ({ g, inputs: [w], params: { paddingIdx }, saved: [indices] }) => [
    embeddingDenseBackward(g, indices, w.shape[0], paddingIdx),
  ],
});

interface ScatterParams extends RowParams {
  /** Rows of the weight the gradient is for. */
  numWeights: number;
}

const embeddingDenseBackwardP = definePrimitive({
  name: 'embeddingDenseBackward',
  backwardName: 'EmbeddingDenseBackwardBackward0',
  forward([g], { indices, numWeights, paddingIdx }: ScatterParams) {
    const dim = g.shape[g.ndim - 1];
    const out = emptyTensor([numWeights, dim], g.dtype, true);
    embeddingScatterAddKernel(out.data, g.data, indices.data as Int32Array, dim, paddingIdx);
    return { out, saved: [indices] as const };
  },
  vjp: ({ g, params: { paddingIdx }, saved: [indices] }) => [
    apply(embeddingP, [g], { indices, paddingIdx, zeroPadding: true }),
  ],
});

const TORCH_TENSOR_TYPE = { float32: 'torch.FloatTensor', float64: 'torch.DoubleTensor' } as const;

/** PyTorch's checks of `F.embedding`, in its order and wording; returns the normalised padding. */
function checkEmbedding(indices: Tensor, weight: Tensor, paddingIdx: number | null): number {
  if (weight.ndim !== 2) {
    throw new ShapeError(`embedding(): 'weight' must be 2-D (got shape ${fmtShape(weight.shape)})`);
  }
  const n = weight.shape[0];
  let pad = -1;
  if (paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx >= n || paddingIdx < -n) {
      throw new ValueError(
        `embedding(): Padding_idx must be within num_embeddings (got padding_idx=${paddingIdx} ` +
          `for ${n} embeddings)`,
      );
    }
    pad = paddingIdx < 0 ? paddingIdx + n : paddingIdx;
  }
  if (indices.dtype !== 'int32') {
    throw new DTypeError(
      `embedding(): Expected tensor for argument #1 'indices' to have one of the following ` +
        `scalar types: Long, Int; but got ${TORCH_TENSOR_TYPE[indices.dtype]} instead ` +
        `(while checking arguments for embedding)`,
    );
  }
  const bad = outOfRange(indices.data as Int32Array, n);
  if (bad !== null) {
    throw new IndexError(
      `embedding(): index out of range in self (index ${bad} is not in [0, ${n}) for a weight ` +
        `of shape ${fmtShape(weight.shape)})`,
    );
  }
  return pad;
}

/**
 * The rows of `weight` ([numEmbeddings, dim]) at int32 `input` of any shape, giving
 * `[...input.shape, dim]` (`torch.nn.functional.embedding`). With `paddingIdx` (negative counts
 * from the end) that row receives no gradient. Gradients flow to `weight` only.
 * @example nn.functional.embedding(tensor([[0, 2]], { dtype: 'int32' }), w) // shape [1, 2, dim]
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  const pad = checkEmbedding(input, weight, paddingIdx);
  return apply(embeddingP, [weight], { indices: input, paddingIdx: pad, zeroPadding: false });
}

/**
 * The gradient of `embedding` with respect to its weight: a `[numWeights, dim]` zero table with
 * the rows of `grad` (`[...indices.shape, dim]`) added at `indices`, leaving out those at
 * `paddingIdx` (-1 for none), as PyTorch's `embedding_dense_backward`. Differentiable in `grad`.
 * @example embeddingDenseBackward(g, ids, 10, 0) // [10, dim], row 0 zero
 */
export function embeddingDenseBackward(
  grad: Tensor,
  indices: Tensor,
  numWeights: number,
  paddingIdx = -1,
): Tensor {
  const dim = grad.shape[grad.ndim - 1];
  const expected = [...indices.shape, dim];
  if (grad.ndim !== indices.ndim + 1 || grad.shape.some((s, i) => s !== expected[i])) {
    throw new ShapeError(
      `embeddingDenseBackward(): grad of shape ${fmtShape(grad.shape)} does not match indices ` +
        `of shape ${fmtShape(indices.shape)} (expected [...indices.shape, dim])`,
    );
  }
  if (indices.dtype !== 'int32') {
    throw new DTypeError(
      `embeddingDenseBackward(): Expected dtype int32 for indices (got ${indices.dtype})`,
    );
  }
  const bad = outOfRange(indices.data as Int32Array, numWeights);
  if (bad !== null) {
    throw new IndexError(
      `embeddingDenseBackward(): index out of range in self (index ${bad} is not in ` +
        `[0, ${numWeights}))`,
    );
  }
  return apply(embeddingDenseBackwardP, [grad], { indices, numWeights, paddingIdx });
}
