/**
 * Elementwise primitives. Each is one definition: name, checks, the kernel call, and the VJP in
 * tensor ops (so create-graph differentiates it again). Binary ops broadcast as PyTorch does and
 * all reduce their gradients with the one shared `unbroadcast`.
 */
import { DTypeError } from '../errors.js';
import { apply, definePrimitive } from '../autograd/function.js';
import {
  binaryKernel,
  type BinaryOp,
  broadcastLayout,
  castKernel,
  unaryKernel,
  type UnaryOp,
  whereKernel,
} from '../kernels/elementwise.js';
import { isFloat, promoteTypes, type DType } from '../tensor/dtype.js';
import { broadcastShapes, numelOf, shapesEqual } from '../tensor/shape.js';
import { emptyTensor, floatDtype, scoped, type Tensor } from '../tensor/tensor.js';
import { operands, type Operand } from './operand.js';
import { broadcastTo } from './shape.js';
import { unbroadcast } from './unbroadcast.js';
import { zerosLike } from './creation.js';

// ---- forward helpers (kernel calls; no tape) ----------------------------------------------------

/** The elementwise kernel `op` over `x`; `name` is the op's name in errors. */
function mapUnary(x: Tensor, op: UnaryOp, name: string = op): Tensor {
  const out = emptyTensor(x.shape, floatDtype(x, name));
  unaryKernel(op, out.data, x.data, x.size, 0);
  return out;
}

/** The elementwise kernel `op` over `a` and `b`, broadcast; `name` is the op's name in errors. */
function mapBinary(a: Tensor, b: Tensor, op: BinaryOp, name: string = op, dtype?: DType): Tensor {
  const outShape = broadcastShapes(a.shape, b.shape, name);
  const out = emptyTensor(outShape, dtype ?? promoteTypes(a.dtype, b.dtype));
  const { shape, sa, sb } = broadcastLayout(outShape, a.shape, b.shape);
  binaryKernel(op, out.data, a.data, b.data, shape, sa, sb);
  return out;
}

function floatPair(a: Tensor, b: Tensor, op: string): void {
  floatDtype(a, op);
  floatDtype(b, op);
}

// ---- binary primitives --------------------------------------------------------------------------

const addP = definePrimitive({
  name: 'add',
  backwardName: 'AddBackward0',
  forward([a, b]) {
    floatPair(a, b, 'add');
    return { out: mapBinary(a, b, 'add'), saved: [] };
  },
  vjp: ({ g, inputs: [a, b] }) => [unbroadcast(g, a.shape), unbroadcast(g, b.shape)],
});

const subP = definePrimitive({
  name: 'sub',
  backwardName: 'SubBackward0',
  forward([a, b]) {
    floatPair(a, b, 'sub');
    return { out: mapBinary(a, b, 'sub'), saved: [] };
  },
  // −Σg is Σ(−g) exactly: negated after the broadcast dims are summed, on the smaller tensor.
  vjp: ({ g, inputs: [a, b], needs }) => [
    unbroadcast(g, a.shape),
    needs[1] ? neg(unbroadcast(g, b.shape)) : null,
  ],
});

const mulP = definePrimitive({
  name: 'mul',
  backwardName: 'MulBackward0',
  // Each operand is saved only for the other's gradient, as PyTorch does.
  forward([a, b], _: null, needs) {
    floatPair(a, b, 'mul');
    const saved = [needs[1] ? a : null, needs[0] ? b : null] as const;
    return { out: mapBinary(a, b, 'mul'), saved };
  },
  vjp: ({ g, saved: [a, b], needs, inputs }) => [
    needs[0] ? unbroadcast(mul(g, b!), inputs[0].shape) : null,
    needs[1] ? unbroadcast(mul(g, a!), inputs[1].shape) : null,
  ],
});

const divP = definePrimitive({
  name: 'div',
  backwardName: 'DivBackward0',
  // b is needed by both gradients, a only by b's.
  forward([a, b], _: null, needs) {
    floatPair(a, b, 'div');
    return { out: mapBinary(a, b, 'div'), saved: [needs[1] ? a : null, b] as const };
  },
  // d(a/b)/db = -a/b², written as PyTorch does: -g·((a/b)/b).
  vjp: ({ g, saved: [a, b], needs, inputs }) => [
    needs[0] ? unbroadcast(div(g, b), inputs[0].shape) : null,
    needs[1] ? unbroadcast(neg(mul(g, div(div(a!, b), b))), b.shape) : null,
  ],
});

const maximumP = definePrimitive({
  name: 'maximum',
  backwardName: 'MaximumBackward0',
  forward([a, b]) {
    floatPair(a, b, 'maximum');
    // NaN in either operand propagates, as in PyTorch.
    return { out: mapBinary(a, b, 'maximum'), saved: [a, b] as const };
  },
  // derivatives.yaml: ties split the gradient in half; a NaN passes it to both sides.
  vjp: ({ g, saved: [a, b], needs }) => {
    const half = div(g, 2);
    const tie = eq(a, b);
    return [
      needs[0] ? unbroadcast(where(lt(a, b), 0, where(tie, half, g)), a.shape) : null,
      needs[1] ? unbroadcast(where(gt(a, b), 0, where(tie, half, g)), b.shape) : null,
    ];
  },
});

const whereP = definePrimitive({
  name: 'where',
  backwardName: 'WhereBackward0',
  forward([cond, a, b]) {
    floatPair(a, b, 'where');
    const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
    const n = numelOf(shape);
    // Operands already at the output shape are read in place, one-element ones as a constant;
    // only the others are materialised at the broadcast shape.
    const at = (t: Tensor): Tensor =>
      t.size === 1 || shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape);
    const [ct, xt, yt] = [at(cond), at(a), at(b)];
    const out = emptyTensor(shape, promoteTypes(a.dtype, b.dtype));
    // Views are taken after every allocation: growing an unshared memory detaches older ones.
    const [c, x, y] = [ct.data, xt.data, yt.data];
    whereKernel(
      out.data,
      c,
      c.length === 1 && n !== 1,
      x,
      x.length === 1 && n !== 1,
      y,
      y.length === 1 && n !== 1,
    );
    return { out, saved: [cond] as const };
  },
  vjp: ({ g, saved: [cond], inputs: [, a, b], needs }) => [
    null,
    needs[1] ? unbroadcast(where(cond, g, 0), a.shape) : null,
    needs[2] ? unbroadcast(where(cond, 0, g), b.shape) : null,
  ],
});

/**
 * `a + alpha·b`, broadcasting.
 * @example
 * add(x, 1)
 * x.add(y, 2)
 */
export function add(a: Operand, b: Operand, alpha?: number): Tensor {
  const [x, y] = operands(a, b, 'add');
  if (alpha === undefined || alpha === 1) return apply(addP, [x, y], null);
  return scoped('add', () => apply(addP, [x, mul(y, alpha)], null));
}

/**
 * `a − alpha·b`, broadcasting.
 * @example sub(1, x)
 */
export function sub(a: Operand, b: Operand, alpha?: number): Tensor {
  const [x, y] = operands(a, b, 'sub');
  if (alpha === undefined || alpha === 1) return apply(subP, [x, y], null);
  return scoped('sub', () => apply(subP, [x, mul(y, alpha)], null));
}

/**
 * Elementwise product, broadcasting.
 * @example mul(x, x)
 */
export function mul(a: Operand, b: Operand): Tensor {
  return apply(mulP, operands(a, b, 'mul'), null);
}

/**
 * Elementwise true division, broadcasting.
 * @example div(x, 2)
 */
export function div(a: Operand, b: Operand): Tensor {
  return apply(divP, operands(a, b, 'div'), null);
}

/**
 * Elementwise maximum; ties share the gradient equally.
 * @example maximum(x, 0)
 */
export function maximum(a: Operand, b: Operand): Tensor {
  return apply(maximumP, operands(a, b, 'maximum'), null);
}

/**
 * Elementwise minimum, the composite `−maximum(−a, −b)`.
 * @example minimum(x, 1)
 */
export function minimum(a: Operand, b: Operand): Tensor {
  const [x, y] = operands(a, b, 'minimum');
  return scoped('minimum', () => neg(maximum(neg(x), neg(y))));
}

/**
 * `condition ? a : b` elementwise, broadcasting all three; any nonzero condition counts as true.
 * @example where(x.gt(0), x, 0)
 */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  const [x, y] = operands(a, b, 'where');
  return apply(whereP, [condition, x, y], null);
}

// ---- unary primitives ---------------------------------------------------------------------------

const negP = definePrimitive({
  name: 'neg',
  backwardName: 'NegBackward0',
  forward: ([x]) => ({ out: mapUnary(x, 'neg'), saved: [] }),
  vjp: ({ g }) => [neg(g)],
});

const expP = definePrimitive({
  name: 'exp',
  backwardName: 'ExpBackward0',
  forward([x]) {
    const out = mapUnary(x, 'exp');
    return { out, saved: [out] as const };
  },
  vjp: ({ g, saved: [out] }) => [mul(g, out)],
});

const logP = definePrimitive({
  name: 'log',
  backwardName: 'LogBackward0',
  forward: ([x]) => ({ out: mapUnary(x, 'log'), saved: [x] as const }),
  vjp: ({ g, saved: [x] }) => [div(g, x)],
});

const sqrtP = definePrimitive({
  name: 'sqrt',
  backwardName: 'SqrtBackward0',
  forward([x]) {
    const out = mapUnary(x, 'sqrt');
    return { out, saved: [out] as const };
  },
  vjp: ({ g, saved: [out] }) => [div(g, mul(out, 2))],
});

const rsqrtP = definePrimitive({
  name: 'rsqrt',
  backwardName: 'RsqrtBackward0',
  forward([x]) {
    const out = mapUnary(x, 'rsqrt');
    return { out, saved: [out] as const };
  },
  // d x^(-1/2) = -½ x^(-3/2) = -½ out³
  vjp: ({ g, saved: [out] }) => [mul(g, mul(pow(out, 3), -0.5))],
});

const powP = definePrimitive({
  name: 'pow',
  backwardName: 'PowBackward0',
  forward([x], p: number) {
    const out = emptyTensor(x.shape, floatDtype(x, 'pow'));
    const e = x.dtype === 'float32' ? Math.fround(p) : p;
    // A square is x·x, as PyTorch computes it; Math.pow agrees for other exponents.
    unaryKernel(e === 2 ? 'square' : 'pow', out.data, x.data, x.size, e);
    return { out, saved: [x] as const };
  },
  // PyTorch's pow_backward: zero gradient for exponent 0, else p·x^(p−1).
  vjp: ({ g, saved: [x], params: p }) => [p === 0 ? zerosLike(g) : mul(g, mul(pow(x, p - 1), p))],
});

const absP = definePrimitive({
  name: 'abs',
  backwardName: 'AbsBackward0',
  forward: ([x]) => ({ out: mapUnary(x, 'abs'), saved: [x] as const }),
  vjp: ({ g, saved: [x] }) => [mul(g, sign(x))],
});

const reluP = definePrimitive({
  name: 'relu',
  backwardName: 'ReluBackward0',
  forward([x]) {
    const out = mapUnary(x, 'relu');
    return { out, saved: [out] as const };
  },
  vjp: ({ g, saved: [out] }) => [thresholdBackward(g, out)],
});

/**
 * PyTorch's threshold_backward(g, result, 0), ReLU's VJP in one pass: g where the result is
 * positive (or NaN), else 0. Its own VJP (derivatives.yaml): threshold_backward again for g,
 * and zero for the result, on which it depends only through a step.
 */
const thresholdBackwardP = definePrimitive({
  name: 'threshold_backward',
  backwardName: 'ThresholdBackwardBackward0',
  forward([g, out]) {
    return {
      out: mapBinary(g, out, 'thresholdBackward', 'threshold_backward'),
      saved: [out] as const,
    };
  },
  vjp: ({ g, saved: [out], needs }) => [
    needs[0] ? thresholdBackward(g, out) : null,
    needs[1] ? zerosLike(g) : null,
  ],
});

const thresholdBackward = (g: Tensor, out: Tensor): Tensor =>
  apply(thresholdBackwardP, [g, out], null);

const sigmoidP = definePrimitive({
  name: 'sigmoid',
  backwardName: 'SigmoidBackward0',
  forward([x]) {
    const out = mapUnary(x, 'sigmoid');
    return { out, saved: [out] as const };
  },
  vjp: ({ g, saved: [out] }) => [mul(g, mul(out, sub(1, out)))],
});

const tanhP = definePrimitive({
  name: 'tanh',
  backwardName: 'TanhBackward0',
  forward([x]) {
    const out = mapUnary(x, 'tanh');
    return { out, saved: [out] as const };
  },
  vjp: ({ g, saved: [out] }) => [mul(g, sub(1, mul(out, out)))],
});

const toP = definePrimitive({
  name: 'to',
  backwardName: 'ToCopyBackward0',
  forward([x], dtype: DType) {
    const out = emptyTensor(x.shape, dtype);
    castKernel(out.data, x.data);
    return { out, saved: [] };
  },
  vjp: ({ g, inputs: [x] }) => [toDtype(g, x.dtype)],
});

const cloneP = definePrimitive({
  name: 'clone',
  backwardName: 'CloneBackward0',
  forward([x]) {
    const out = emptyTensor(x.shape, x.dtype);
    out.data.set(x.data);
    return { out, saved: [] };
  },
  vjp: ({ g }) => [g],
});

/**
 * −x.
 * @example neg(x)
 */
export const neg = (x: Tensor): Tensor => apply(negP, [x], null);
/**
 * eˣ.
 * @example exp(x)
 */
export const exp = (x: Tensor): Tensor => apply(expP, [x], null);
/**
 * Natural logarithm.
 * @example log(x)
 */
export const log = (x: Tensor): Tensor => apply(logP, [x], null);
/**
 * Square root.
 * @example sqrt(x)
 */
export const sqrt = (x: Tensor): Tensor => apply(sqrtP, [x], null);
/**
 * 1/√x.
 * @example rsqrt(x)
 */
export const rsqrt = (x: Tensor): Tensor => apply(rsqrtP, [x], null);
/**
 * |x|; the gradient at 0 is 0, as in PyTorch.
 * @example abs(x)
 */
export const abs = (x: Tensor): Tensor => apply(absP, [x], null);
/**
 * max(x, 0).
 * @example relu(x)
 */
export const relu = (x: Tensor): Tensor => apply(reluP, [x], null);
/**
 * 1/(1+e⁻ˣ).
 * @example sigmoid(x)
 */
export const sigmoid = (x: Tensor): Tensor => apply(sigmoidP, [x], null);
/**
 * Hyperbolic tangent.
 * @example tanh(x)
 */
export const tanh = (x: Tensor): Tensor => apply(tanhP, [x], null);
/**
 * A copy on the tape.
 * @example clone(x)
 */
export const clone = (x: Tensor): Tensor => apply(cloneP, [x], null);

/**
 * x raised to a scalar power.
 * @example pow(x, 3)
 */
export function pow(x: Tensor, exponent: number): Tensor {
  return apply(powP, [x], exponent);
}

/**
 * The tensor converted to `dtype`; the same tensor when it already has it.
 * @example x.to('float64')
 */
export function toDtype(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  if (x.requiresGrad && !isFloat(dtype)) {
    throw new DTypeError(`to: cannot convert a tensor that requires grad to ${dtype}`);
  }
  return apply(toP, [x], dtype);
}

// ---- non-differentiable elementwise ops ---------------------------------------------------------
// Their results never require grad; VJPs use them as constant masks.

function compare(a: Operand, b: Operand, op: BinaryOp): Tensor {
  const [x, y] = operands(a, b, op);
  return mapBinary(x, y, op);
}

/**
 * 1 where a > b, else 0 (PyTorch returns bool; the mask here has the operands' dtype).
 * @example gt(x, 0)
 */
export const gt = (a: Operand, b: Operand): Tensor => compare(a, b, 'gt');
/**
 * 1 where a ≥ b, else 0.
 * @example ge(x, 0)
 */
export const ge = (a: Operand, b: Operand): Tensor => compare(a, b, 'ge');
/**
 * 1 where a < b, else 0.
 * @example lt(x, 0)
 */
export const lt = (a: Operand, b: Operand): Tensor => compare(a, b, 'lt');
/**
 * 1 where a ≤ b, else 0.
 * @example le(x, 0)
 */
export const le = (a: Operand, b: Operand): Tensor => compare(a, b, 'le');
/**
 * 1 where a = b, else 0.
 * @example eq(pred.argmax(1), labels).float().sum() // the number of correct predictions
 */
export const eq = (a: Operand, b: Operand): Tensor => compare(a, b, 'eq');
/**
 * 1 where a ≠ b, else 0.
 * @example ne(x, 0)
 */
export const ne = (a: Operand, b: Operand): Tensor => compare(a, b, 'ne');

/**
 * −1, 0 or 1 (NaN stays NaN); not differentiable (its derivative is 0 almost everywhere).
 * @example sign(x)
 */
export function sign(x: Tensor): Tensor {
  return mapUnary(x, 'sign');
}
