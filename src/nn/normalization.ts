/**
 * `nn.LayerNorm` and `nn.GroupNorm`, with PyTorch's options, parameters, state-dict keys, errors
 * and extra_repr, on either implementation (`impl: 'fused' | 'composite'`).
 */
import type { FloatDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkEps, checkImpl } from '../ops/batch-norm-checks.js';
import { checkGroups } from '../ops/group-norm-checks.js';
import {
  checkNormalizedShape,
  normalizedShapeOf,
  type NormalizedShape,
  type NormImpl,
} from '../ops/layer-norm-checks.js';
import { groupNorm } from './functional/group-norm.js';
import { layerNorm } from './functional/layer-norm.js';
import { pyBool, pyFloat, pyTuple } from './repr.js';
import { filledParameter, Module, type Parameter } from './module.js';

/** A norm's γ (ones) and β (zeros) of `shape`, or nulls without affine parameters. */
export function affineParameters(
  affine: boolean,
  shape: readonly number[],
  dtype: FloatDType,
): [Parameter | null, Parameter | null] {
  return affine
    ? [filledParameter(shape, 1, dtype), filledParameter(shape, 0, dtype)]
    : [null, null];
}
/** Options of `new nn.LayerNorm(normalizedShape, options)`, with PyTorch's defaults. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable weight (init 1) and bias (init 0) of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** `'fused'` (default) or `'composite'`; see `nn.functional.layerNorm`. */
  impl?: NormImpl;
  /** The dtype of the parameters (default float32). */
  dtype?: FloatDType;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims of each sample.
 *
 * @example
 * ```ts
 * const ln = new nn.LayerNorm(10);
 * ln.forward(randn([4, 10])).shape; // [4, 10]
 * ln.extraRepr(); // '(10,), eps=1e-05, elementwise_affine=True'
 * ```
 */
export class LayerNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the module has a learnable `weight` and `bias`. */
  readonly elementwiseAffine: boolean;
  /** The implementation that runs: `'fused'` or `'composite'`; it may be switched at any time. */
  impl: NormImpl;
  /** γ, of shape normalizedShape (initialised to 1); null without `elementwiseAffine`. */
  weight: Parameter | null;
  /** β, of shape normalizedShape (initialised to 0); null without `elementwiseAffine`. */
  bias: Parameter | null;

  constructor(normalizedShape: NormalizedShape, options: LayerNormOptions = {}) {
    super();
    const { eps = 1e-5, elementwiseAffine = true, impl = 'fused', dtype = 'float32' } = options;
    const shape = normalizedShapeOf(normalizedShape);
    checkNormalizedShape(shape, 'LayerNorm');
    checkEps(eps, 'LayerNorm');
    checkImpl(impl, 'LayerNorm');
    this.normalizedShape = shape;
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    this.impl = impl;
    [this.weight, this.bias] = affineParameters(elementwiseAffine, shape, dtype);
  }

  /**
   * PyTorch's extra_repr: `(10,), eps=1e-05, elementwise_affine=True`.
   * @example new nn.LayerNorm([2, 3]).extraRepr() // '(2, 3), eps=1e-05, elementwise_affine=True'
   */
  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }

  /**
   * Normalises each sample over the trailing normalizedShape dims.
   * @example new nn.LayerNorm(3).forward(randn([8, 3])).shape // [8, 3]
   */
  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, {
      eps: this.eps,
      impl: this.impl,
    });
  }
}

/** Options of `new nn.GroupNorm(numGroups, numChannels, options)`, with PyTorch's defaults. */
export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable per-channel weight (init 1) and bias (init 0) (default true). */
  affine?: boolean;
  /** `'fused'` (default) or `'composite'`; see `nn.functional.groupNorm`. */
  impl?: NormImpl;
  /** The dtype of the parameters (default float32). */
  dtype?: FloatDType;
}

/**
 * Group normalisation of (N, C, *) input: statistics per sample and group of C/numGroups channels.
 *
 * @example
 * ```ts
 * const gn = new nn.GroupNorm(2, 4);
 * gn.forward(randn([3, 4, 5])).shape; // [3, 4, 5]
 * gn.extraRepr(); // '2, 4, eps=1e-05, affine=True'
 * ```
 */
export class GroupNorm extends Module {
  /** How many groups the channels are split into. */
  readonly numGroups: number;
  /** C, the number of channels: dim 1 of the input. */
  readonly numChannels: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the module has a learnable per-channel `weight` and `bias`. */
  readonly affine: boolean;
  /** The implementation that runs: `'fused'` or `'composite'`; it may be switched at any time. */
  impl: NormImpl;
  /** γ, one per channel (initialised to 1); null without `affine`. */
  weight: Parameter | null;
  /** β, one per channel (initialised to 0); null without `affine`. */
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    const { eps = 1e-5, affine = true, impl = 'fused', dtype = 'float32' } = options;
    checkGroups(numGroups, numChannels, 'GroupNorm');
    checkEps(eps, 'GroupNorm');
    checkImpl(impl, 'GroupNorm');
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.affine = affine;
    this.impl = impl;
    [this.weight, this.bias] = affineParameters(affine, [numChannels], dtype);
  }

  /**
   * PyTorch's extra_repr: `2, 4, eps=1e-05, affine=True`.
   * @example new nn.GroupNorm(2, 4).extraRepr()
   */
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }

  /**
   * Normalises (N, C, *) input per sample and group.
   * @example new nn.GroupNorm(1, 3).forward(randn([8, 3, 2])).shape // [8, 3, 2]
   */
  forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, this.weight, this.bias, {
      eps: this.eps,
      impl: this.impl,
    });
  }
}
