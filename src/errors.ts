/**
 * Typed errors. Every error tapegrad throws is one of these, and its message names the op and
 * the shapes, dtypes or values involved, in PyTorch's wording where PyTorch has one.
 *
 * @example
 * ```ts
 * try { add(zeros([2, 3]), zeros([4])); } catch (e) { if (e instanceof ShapeError) console.log(e.message); }
 * ```
 */
export class TapegradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Shapes that cannot be combined, reshaped or indexed as asked.
 * @example zeros([2, 3]).matmul(zeros([2, 3])); // ShapeError: … (2x3 and 2x3; …)
 */
export class ShapeError extends TapegradError {}

/**
 * A dtype an op does not accept, or two dtypes it cannot combine.
 * @example arange(3).requiresGrad_(); // DTypeError: only Tensors of floating point dtype …
 */
export class DTypeError extends TapegradError {}

/**
 * A dimension or element index outside its range (PyTorch's `IndexError`).
 * @example zeros([2, 3]).sum(2); // IndexError: sum: Dimension out of range …
 */
export class IndexError extends TapegradError {}

/**
 * A bad argument value: a negative size, an eps ≤ 0, a momentum outside [0, 1], …
 * @example zeros([2, -1]); // ValueError: full: negative or non-integer dimension -1 …
 */
export class ValueError extends TapegradError {}

/**
 * Misuse of the tape: backward through a freed graph, in-place edits of saved values, …
 * @example
 * const y = x.exp();
 * y.sum().backward();
 * y.sum().backward(); // AutogradError: Trying to backward through the graph a second time …
 */
export class AutogradError extends TapegradError {}

/**
 * A gradient check (`gradcheck`, `gradgradcheck`, `assertSameVjp`) found a mismatch.
 * @example autograd.assertSameVjp((t) => t.mul(2), (t) => t.mul(3), [x]); // GradcheckError
 */
export class GradcheckError extends TapegradError {}

/**
 * A tensor's storage could not be allocated: the JavaScript engine refused an array that large.
 * The message names the op, the dtype and the shape.
 * @example zeros([1e6, 1e6]); // MemoryError: full: cannot allocate a float32 tensor of shape …
 */
export class MemoryError extends TapegradError {}

/**
 * A tensor was used after its memory was released: by `dispose()`, by the `tidy()` it was made
 * in, by the backward pass that freed the values it saved, or by the library function that made
 * it as an intermediate. The memory may hold another tensor now, so nothing reads it.
 * @example
 * const t = zeros([2]);
 * t.dispose();
 * t.sum(); // ReleasedTensorError: … was released by dispose() …
 */
export class ReleasedTensorError extends TapegradError {}

/**
 * A file or directory that `save`, `load` or `loadMnist` (the `tapegrad/node` entry) could not
 * read or write. The message names the path as given (never a temporary name) and the reason.
 * @example load('missing.safetensors'); // IOError: load: No such file or directory: 'missing.safetensors'
 */
export class IOError extends TapegradError {
  constructor(
    message: string,
    /** The path as the caller gave it. */
    readonly path: string,
    /** The host's error code (`ENOENT`, `EACCES`, …) when it gave one. */
    readonly code?: string,
  ) {
    super(message);
  }
}
