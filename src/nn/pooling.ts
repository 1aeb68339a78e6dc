/**
 * Pooling layers: `MaxPool1d`, `MaxPool2d`, `AvgPool1d`, `AvgPool2d`, `AdaptiveAvgPool1d` and
 * `AdaptiveAvgPool2d`, with PyTorch's constructors, defaults and `extra_repr` texts. Each forward
 * is the `nn.functional` call of the same name; they hold no parameters.
 */
import { scoped, type Tensor } from '../tensor/tensor.js';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  type AdaptiveSize2,
  type AvgPool2dOptions,
  type AvgPoolOptions,
  type MaxPoolFunction,
  type MaxPoolOptions,
  type Size2,
} from '../ops/pool.js';
import { Module } from './module.js';
import { pyBool, pySize } from './repr.js';

/** A size for one dim as PyTorch's `_single` stores it: a one-element tuple. */
function single(v: Size2): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

/**
 * What `MaxPool1d` and `MaxPool2d` share (PyTorch's `_MaxPoolNd`): the arguments as given, and
 * their repr.
 * @example new nn.MaxPool2d(2) instanceof nn.MaxPoolNd // true
 */
export abstract class MaxPoolNd extends Module {
  /** The window's size, as given. */
  readonly kernelSize: Size2;
  /** The window's step, as given (the kernel size by default). */
  readonly stride: Size2;
  /** Implicit −∞ padding on both sides, as given. */
  readonly padding: Size2;
  /** The step between a window's elements, as given. */
  readonly dilation: Size2;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** Whether `forwardWithIndices` is the intended call (PyTorch's forward then returns both). */
  readonly returnIndices: boolean;
  /** The functional call, `maxPool1d` or `maxPool2d`. */
  protected abstract readonly pool: MaxPoolFunction;

  /**
   * @param kernelSize The window's size: one for all dims, or one per dim.
   * @example new nn.MaxPool2d(3, { stride: 2, padding: 1 })
   */
  constructor(kernelSize: Size2, options: MaxPoolOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
    this.returnIndices = options.returnIndices ?? false;
  }

  /**
   * The options of the functional call.
   * @example this.options() // { stride: 2, padding: 0, dilation: 1, ceilMode: false }
   */
  protected options(): MaxPoolOptions {
    const { stride, padding, dilation, ceilMode } = this;
    return { stride, padding, dilation, ceilMode };
  }

  /**
   * The max of each window.
   * @example new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(x)
   */
  forward(input: Tensor): Tensor {
    return this.pool(input, this.kernelSize, this.options());
  }

  /**
   * The max of each window and where it is.
   * @example const [y, idx] = new nn.MaxPool2d(2).forwardWithIndices(x);
   */
  forwardWithIndices(input: Tensor): [Tensor, Tensor] {
    return scoped(`${this.constructor.name}.forward`, () =>
      this.pool(input, this.kernelSize, { ...this.options(), returnIndices: true }),
    );
  }

  /**
   * PyTorch's `extra_repr`.
   * @example new nn.MaxPool2d(2).extraRepr() // 'kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False'
   */
  override extraRepr(): string {
    return (
      `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, ` +
      `padding=${pySize(this.padding)}, dilation=${pySize(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`
    );
  }
}

/**
 * 2-D max pooling over [N, C, H, W] or [C, H, W], `torch.nn.MaxPool2d`. `forward` returns the
 * pooled values; `forwardWithIndices` also the argmax indices (int32, h·W + w in each plane),
 * which is what PyTorch's forward returns with `return_indices=True`.
 * @example new nn.MaxPool2d(2).forward(x) // [64, 16, 28, 28] → [64, 16, 14, 14]
 */
export class MaxPool2d extends MaxPoolNd {
  protected readonly pool = maxPool2d;
}

/**
 * 1-D max pooling over [N, C, L] or [C, L], `torch.nn.MaxPool1d`; see `MaxPool2d` for the
 * indices.
 * @example new nn.MaxPool1d(2).forward(x) // [8, 4, 10] → [8, 4, 5]
 */
export class MaxPool1d extends MaxPoolNd {
  protected readonly pool = maxPool1d;
}

/**
 * What `AvgPool1d` and `AvgPool2d` share (PyTorch's `_AvgPoolNd`): their repr.
 * @example new nn.AvgPool2d(2) instanceof nn.AvgPoolNd // true
 */
export abstract class AvgPoolNd extends Module {
  /** The window's size, as given (a one-element tuple in 1-D). */
  abstract readonly kernelSize: Size2;
  /** The window's step, as given (the kernel size by default). */
  abstract readonly stride: Size2;
  /** Implicit zero padding on both sides, as given. */
  abstract readonly padding: Size2;

  /**
   * PyTorch's `extra_repr`.
   * @example new nn.AvgPool2d(2).extraRepr() // 'kernel_size=2, stride=2, padding=0'
   */
  override extraRepr(): string {
    return `kernel_size=${pySize(this.kernelSize)}, stride=${pySize(this.stride)}, padding=${pySize(this.padding)}`;
  }
}

/**
 * 2-D average pooling over [N, C, H, W] or [C, H, W], `torch.nn.AvgPool2d`.
 * @example new nn.AvgPool2d(2).forward(x)
 */
export class AvgPool2d extends AvgPoolNd {
  /** The window's size, as given. */
  readonly kernelSize: Size2;
  /** The window's step, as given (the kernel size by default). */
  readonly stride: Size2;
  /** Implicit zero padding on both sides, as given. */
  readonly padding: Size2;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** Whether the padding counts in each window's divisor. */
  readonly countIncludePad: boolean;
  /** The divisor used instead of the window's size, or null. */
  readonly divisorOverride: number | null;

  /**
   * @param kernelSize The window's size: one for both dims, or [h, w].
   * @example new nn.AvgPool2d(2, { countIncludePad: false })
   */
  constructor(kernelSize: Size2, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  /**
   * The mean of each window.
   * @example new nn.AvgPool2d(3, { stride: 2, padding: 1 }).forward(x)
   */
  forward(input: Tensor): Tensor {
    const { stride, padding, ceilMode, countIncludePad, divisorOverride } = this;
    return avgPool2d(input, this.kernelSize, {
      stride,
      padding,
      ceilMode,
      countIncludePad,
      divisorOverride,
    });
  }
}

/**
 * 1-D average pooling over [N, C, L] or [C, L], `torch.nn.AvgPool1d`. Its sizes are kept as
 * one-element tuples, as PyTorch's `_single` keeps them (and prints them: `kernel_size=(3,)`).
 * @example new nn.AvgPool1d(3, { stride: 2 }).forward(x)
 */
export class AvgPool1d extends AvgPoolNd {
  /** The window's size, as a one-element tuple. */
  readonly kernelSize: readonly number[];
  /** The window's step, as a one-element tuple (the kernel size by default). */
  readonly stride: readonly number[];
  /** Implicit zero padding on both sides, as a one-element tuple. */
  readonly padding: readonly number[];
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** Whether the padding counts in each window's divisor. */
  readonly countIncludePad: boolean;

  /**
   * @param kernelSize The window's size.
   * @example new nn.AvgPool1d(3, { stride: 1, padding: 1 })
   */
  constructor(kernelSize: Size2, options: AvgPoolOptions = {}) {
    super();
    this.kernelSize = single(kernelSize);
    this.stride = single(options.stride ?? kernelSize);
    this.padding = single(options.padding ?? 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  /**
   * The mean of each window.
   * @example new nn.AvgPool1d(2).forward(x) // [8, 4, 10] → [8, 4, 5]
   */
  forward(input: Tensor): Tensor {
    const { stride, padding, ceilMode, countIncludePad } = this;
    return avgPool1d(input, this.kernelSize, { stride, padding, ceilMode, countIncludePad });
  }
}

/**
 * What `AdaptiveAvgPool1d` and `AdaptiveAvgPool2d` share (PyTorch's `_AdaptiveAvgPoolNd`): the
 * output size as given, and its repr.
 * @example new nn.AdaptiveAvgPool2d(1) instanceof nn.AdaptiveAvgPoolNd // true
 */
export abstract class AdaptiveAvgPoolNd<S extends AdaptiveSize2> extends Module {
  /** The output size, as given (null: the input's). */
  readonly outputSize: S;

  /**
   * @param outputSize The output size: one for all dims, or one per dim (null keeps the input's).
   * @example new nn.AdaptiveAvgPool2d([7, null])
   */
  constructor(outputSize: S) {
    super();
    this.outputSize = outputSize;
  }

  /**
   * PyTorch's `extra_repr`.
   * @example new nn.AdaptiveAvgPool2d([7, null]).extraRepr() // 'output_size=(7, None)'
   */
  override extraRepr(): string {
    return `output_size=${pySize(this.outputSize)}`;
  }
}

/**
 * Adaptive 2-D average pooling to a fixed output size, `torch.nn.AdaptiveAvgPool2d`: a number
 * for both dims, or [h, w] where null keeps the input's size.
 * @example new nn.AdaptiveAvgPool2d([7, 7]).forward(x) // [N, C, H, W] → [N, C, 7, 7]
 */
export class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd<AdaptiveSize2> {
  /**
   * The mean over each bin.
   * @example new nn.AdaptiveAvgPool2d(1).forward(x) // global average pooling
   */
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }
}

/**
 * Adaptive 1-D average pooling to a fixed length, `torch.nn.AdaptiveAvgPool1d`.
 * @example new nn.AdaptiveAvgPool1d(4).forward(x) // [N, C, L] → [N, C, 4]
 */
export class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd<number | readonly number[]> {
  /**
   * The mean over each bin.
   * @example new nn.AdaptiveAvgPool1d(1).forward(x) // [N, C, L] → [N, C, 1]
   */
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool1d(input, this.outputSize);
  }
}
