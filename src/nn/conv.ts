/**
 * Convolution layers, `torch.nn.Conv1d` and `torch.nn.Conv2d`: PyTorch's constructor arguments
 * and checks, parameter names (`weight` [out, in/groups, ...kernel], `bias` [out]), seeded
 * initialisation, padding modes, and `extraRepr()` text. The forward is `nn.functional.conv1d` /
 * `conv2d`, after `nn.functional.pad` for a padding mode other than `'zeros'`.
 */
import { ValueError } from '../errors.js';
import { conv1d, conv2d, type ConvOptions } from '../ops/conv.js';
import { pad } from '../ops/pad.js';
import type { FloatDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { pyTuple } from './repr.js';
import { resetWeightAndBias } from './reset.js';
import { filledParameter, Module, type Parameter } from './module.js';

/** How a convolution layer pads: with zeros (in the convolution), or by `nn.functional.pad`. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Options of `new nn.Conv1d(...)` / `new nn.Conv2d(...)` (PyTorch's keyword arguments). */
export interface ConvLayerOptions {
  /** Step of the kernel, per spatial dim or one for all (default 1). */
  stride?: number | readonly number[];
  /** Padding per spatial dim or one for all, `'valid'` (none) or `'same'` (default 0). */
  padding?: number | readonly number[] | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: number | readonly number[];
  /** Channel groups (default 1); both channel counts must be divisible by it. */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** What the padding holds (default `'zeros'`). */
  paddingMode?: PaddingMode;
  /** The dtype of weight and bias (default float32). */
  dtype?: FloatDType;
}

/** The shared part of Conv1d and Conv2d (PyTorch's `_ConvNd`). */
abstract class ConvNd extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** The kernel's size per spatial dim. */
  readonly kernelSize: readonly number[];
  /** The kernel's step per spatial dim. */
  readonly stride: readonly number[];
  /** Per-dim padding, or the string it was given as. */
  readonly padding: readonly number[] | 'same' | 'valid';
  /** Spacing between kernel taps per spatial dim. */
  readonly dilation: readonly number[];
  /** Channel groups. */
  readonly groups: number;
  /** What the padding holds. */
  readonly paddingMode: PaddingMode;
  /** The weight, [outChannels, inChannels / groups, ...kernelSize]. */
  weight: Parameter;
  /** The bias, [outChannels]; null with `bias: false`. */
  bias: Parameter | null;
  /** `nn.functional.pad`'s list for a padding mode other than zeros: last dim first. */
  private readonly padList: number[];

  protected constructor(
    nd: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions,
  ) {
    super();
    const {
      stride = 1,
      padding = 0,
      dilation = 1,
      groups = 1,
      bias = true,
      paddingMode = 'zeros',
      dtype = 'float32',
    } = options;
    const name = `Conv${nd}d`;
    const list = (v: number | readonly number[], what: string): number[] => {
      const l = typeof v === 'number' ? new Array<number>(nd).fill(v) : [...v];
      if (l.length !== nd || !l.every((x) => Number.isInteger(x))) {
        throw new ValueError(`${name}: ${what} must be an integer or a list of ${nd} integers`);
      }
      return l;
    };
    for (const [what, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) {
        throw new ValueError(`${name}: ${what} must be a non-negative integer (got ${v})`);
      }
    }
    if (!Number.isInteger(groups) || groups <= 0) {
      throw new ValueError(`${name}: groups must be a positive integer`);
    }
    if (inChannels % groups !== 0) {
      throw new ValueError(`${name}: in_channels must be divisible by groups`);
    }
    if (outChannels % groups !== 0) {
      throw new ValueError(`${name}: out_channels must be divisible by groups`);
    }
    const kernel = list(kernelSize, 'kernelSize');
    const strides = list(stride, 'stride');
    const dilations = list(dilation, 'dilation');
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') {
        throw new ValueError(
          `${name}: Invalid padding string '${String(padding)}', should be one of {'same', 'valid'}`,
        );
      }
      if (padding === 'same' && strides.some((s) => s !== 1)) {
        throw new ValueError(`${name}: padding='same' is not supported for strided convolutions`);
      }
    }
    const modes = ['zeros', 'reflect', 'replicate', 'circular'];
    if (!modes.includes(paddingMode)) {
      throw new ValueError(
        `${name}: padding_mode must be one of {'replicate', 'reflect', 'zeros', 'circular'}, ` +
          `but got padding_mode='${String(paddingMode)}'`,
      );
    }
    const pads = typeof padding === 'string' ? padding : list(padding, 'padding');
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernel;
    this.stride = strides;
    this.padding = pads;
    this.dilation = dilations;
    this.groups = groups;
    this.paddingMode = paddingMode;
    // F.pad's list runs from the last dim; 'same' puts the odd element of its total at the end.
    this.padList = [];
    for (let i = nd - 1; i >= 0; i--) {
      if (pads === 'valid') this.padList.push(0, 0);
      else if (pads === 'same') {
        const total = dilations[i] * (kernel[i] - 1);
        this.padList.push(Math.floor(total / 2), total - Math.floor(total / 2));
      } else this.padList.push(pads[i], pads[i]);
    }
    this.weight = filledParameter([outChannels, inChannels / groups, ...kernel], 0, dtype);
    this.bias = bias ? filledParameter([outChannels], 0, dtype) : null;
    this.resetParameters();
  }

  /**
   * Draws fresh weights (then bias), as at construction and as PyTorch's `reset_parameters`:
   * weight by `kaimingUniform_(w, { a: √5 })`, U(−1/√fanIn, 1/√fanIn), then bias from the same
   * range, fanIn = inChannels/groups · kernel elements.
   * @example manualSeed(1); conv.resetParameters();
   */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /**
   * The module's settings as PyTorch's `extra_repr()` prints them (what `Conv2d(...)` shows in
   * parentheses).
   * @example new nn.Conv2d(1, 16, 3, { padding: 1 }).extraRepr()
   * // '1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)'
   */
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}`;
    s += `, stride=${pyTuple(this.stride)}`;
    const p = this.padding;
    if (typeof p === 'string') s += `, padding=${p}`;
    else if (p.some((v) => v !== 0)) s += `, padding=${pyTuple(p)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }

  /**
   * The convolution of `input` with the weight, plus the bias: `conv1d` or `conv2d` by the
   * kernel's rank, after `pad` unless the padding is zeros (which the convolution does itself).
   * @example new nn.Conv2d(1, 4, 3).forward(zeros([2, 1, 8, 8])).shape // [2, 4, 6, 6]
   */
  forward(input: Tensor): Tensor {
    const zeros = this.paddingMode === 'zeros';
    const x = zeros ? input : pad(input, this.padList, this.paddingMode);
    const options: ConvOptions = {
      stride: this.stride,
      padding: zeros ? this.padding : 0,
      dilation: this.dilation,
      groups: this.groups,
    };
    const conv = this.kernelSize.length === 1 ? conv1d : conv2d;
    return conv(x, this.weight, this.bias, options);
  }
}

/**
 * 1-D convolution layer, `torch.nn.Conv1d`: input [N, inChannels, L] (or unbatched), output
 * [N, outChannels, L_out].
 * @example
 * ```ts
 * manualSeed(0);
 * const conv = new nn.Conv1d(3, 8, 5, { padding: 'same' });
 * conv.forward(x); // x: [batch, 3, L] → [batch, 8, L]
 * ```
 */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 2-D convolution layer, `torch.nn.Conv2d`: input [N, inChannels, H, W] (or unbatched), output
 * [N, outChannels, H_out, W_out]; sizes per dim as a number or `[h, w]`.
 * @example
 * ```ts
 * manualSeed(0);
 * const conv = new nn.Conv2d(1, 16, 3, { padding: 1 });
 * conv.forward(x); // x: [batch, 1, 28, 28] → [batch, 16, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}
