/**
 * `nn.Embedding`: a lookup table of `numEmbeddings` learned vectors, `torch.nn.Embedding`.
 */
import { ValueError } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { FloatDType } from '../tensor/dtype.js';
import { scoped, type Tensor } from '../tensor/tensor.js';
import { arange } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { embedding } from '../ops/embedding.js';
import { normal_ } from './init.js';
import { filledParameter, Module, Parameter } from './module.js';

/** Options of `new nn.Embedding(numEmbeddings, embeddingDim, options)`. */
export interface EmbeddingOptions {
  /**
   * A row (negative counts from the end) that is zero at initialisation and receives no gradient,
   * e.g. for a padding token (default none).
   */
  paddingIdx?: number | null;
  /** The dtype of the weight (default float32). */
  dtype?: FloatDType;
}

/** Options of `nn.Embedding.fromPretrained`. */
export interface FromPretrainedOptions {
  /** Keep the weight fixed: it does not require grad (default true). */
  freeze?: boolean;
  /** As in `EmbeddingOptions`; the given weight's row is not zeroed. */
  paddingIdx?: number | null;
}

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new ValueError(`Embedding: ${name} must be a non-negative integer (got ${n})`);
  }
}

/** PyTorch's normalisation: a negative padding index counts from the end. */
function normalizePadding(paddingIdx: number | null, n: number): number | null {
  if (paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= n || paddingIdx < -n) {
    throw new ValueError(
      `Embedding: Padding_idx must be within num_embeddings (got padding_idx=${paddingIdx} for ` +
        `${n} embeddings)`,
    );
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}

/**
 * A table of `numEmbeddings` vectors of size `embeddingDim`; `forward(indices)` looks up the rows
 * for int32 indices of any shape, giving `[...indices.shape, embeddingDim]`. The weight starts
 * N(0, 1) from the global seeded generator (as PyTorch's `init.normal_`), with the padding row
 * zeroed; that row receives no gradient.
 *
 * @example
 * ```ts
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], { dtype: 'int32' })).shape; // [1, 3, 3]
 * ```
 */
export class Embedding extends Module {
  /** The number of rows of the table. */
  readonly numEmbeddings: number;
  /** The size of each vector. */
  readonly embeddingDim: number;
  /** The padding row, normalised to be non-negative; null for none. */
  readonly paddingIdx: number | null;
  /** The table, of shape [numEmbeddings, embeddingDim]. */
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkSize('numEmbeddings', numEmbeddings);
    checkSize('embeddingDim', embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normalizePadding(options.paddingIdx ?? null, numEmbeddings);
    this.weight = filledParameter([numEmbeddings, embeddingDim], 0, options.dtype ?? 'float32');
    this.resetParameters();
  }

  /**
   * An embedding holding a copy of `embeddings` ([numEmbeddings, embeddingDim]), frozen by
   * default, as `torch.nn.Embedding.from_pretrained`.
   * @example nn.Embedding.fromPretrained(tensor([[1, 2], [3, 4]]), { freeze: false })
   */
  static fromPretrained(embeddings: Tensor, options: FromPretrainedOptions = {}): Embedding {
    if (embeddings.ndim !== 2) {
      throw new ValueError(
        `Embeddings parameter is expected to be 2-dimensional (got shape [${embeddings.shape.join(', ')}])`,
      );
    }
    if (embeddings.dtype === 'int32') {
      throw new ValueError('Embedding.fromPretrained: embeddings must be float32 or float64');
    }
    const [n, d] = embeddings.shape;
    const m = new Embedding(n, d, { paddingIdx: options.paddingIdx, dtype: embeddings.dtype });
    noGrad(() => m.weight.copy_(embeddings));
    m.weight.requiresGrad_(!(options.freeze ?? true));
    return m;
  }

  /**
   * Draws the weight from N(0, 1) again and zeroes the padding row, as at construction.
   * @example manualSeed(0); emb.resetParameters();
   */
  resetParameters(): void {
    normal_(this.weight);
    const pad = this.paddingIdx;
    if (pad === null) return;
    const w = this.weight;
    scoped('Embedding.resetParameters', () =>
      noGrad(() => w.copy_(where(arange(this.numEmbeddings).eq(pad).unsqueeze(1), 0, w))),
    );
  }

  /**
   * The rows of the table at `input` (int32, any shape): `[...input.shape, embeddingDim]`.
   * @example emb.forward(tensor([3], { dtype: 'int32' })).shape // [1, 3]
   */
  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.paddingIdx);
  }

  /** `10, 3, padding_idx=0` as PyTorch prints it. */
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
