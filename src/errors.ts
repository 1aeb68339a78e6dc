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

/** Shapes that cannot be combined, reshaped or indexed as asked. */
export class ShapeError extends TapegradError {}

/** A dtype an op does not accept, or two dtypes it cannot combine. */
export class DTypeError extends TapegradError {}

/** A dimension or element index outside its range (PyTorch's `IndexError`). */
export class IndexError extends TapegradError {}

/** A bad argument value: a negative size, an eps ≤ 0, a momentum outside [0, 1], … */
export class ValueError extends TapegradError {}

/** Misuse of the tape: backward through a freed graph, in-place edits of saved values, … */
export class AutogradError extends TapegradError {}

/** A gradient check (`gradcheck`, `gradgradcheck`, `assertSameVjp`) found a mismatch. */
export class GradcheckError extends TapegradError {}
