/**
 * The peer frameworks live in `bench/node_modules` (`bench/package.json`), not in the root
 * package: js-pytorch depends on `gl`, whose native build fails on the CI machine. They are
 * imported by a name held in a variable, so that the root typecheck never resolves them, and the
 * interfaces below spell out the part of each API the harness uses.
 */

/** Imports a package installed in `bench/node_modules`. */
export async function importPeer<T>(name: string): Promise<T> {
  return (await import(name)) as T;
}

/** Whether `bench/node_modules` holds the peers (`npm ci --prefix bench`). */
export async function peersInstalled(): Promise<boolean> {
  try {
    await importPeer<object>('tinybench');
    return true;
  } catch {
    return false;
  }
}

// ---- tinybench ----------------------------------------------------------------------------------

export interface TinyBenchOptions {
  time: number;
  iterations: number;
  warmup: boolean;
  retainSamples: boolean;
  throws: boolean;
}

export interface TinyBenchTask {
  readonly result:
    | { state: 'completed'; latency: { samples: number[] | undefined } }
    | { state: 'aborted' | 'aborted-with-statistics' | 'errored' | 'not-started' | 'started' };
}

export interface TinyBench {
  Bench: new (options: TinyBenchOptions) => {
    add(
      name: string,
      fn: () => unknown,
      options: { async: boolean; beforeEach: () => void },
    ): unknown;
    run(): Promise<unknown>;
    readonly tasks: TinyBenchTask[];
  };
}

// ---- TensorFlow.js ------------------------------------------------------------------------------

export interface TfTensor {
  readonly shape: number[];
  dataSync(): Float32Array | Int32Array;
  dispose(): void;
}

export interface TfVariable extends TfTensor {
  assign(value: TfTensor): void;
}

export type TfGradFn = (args: TfTensor[], dy?: TfTensor) => TfTensor[];

export interface Tf {
  readonly version: Record<string, string>;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  env(): { getAsync(flag: string): Promise<boolean | number> };
  memory(): { numTensors: number };
  tensor(values: Float32Array | Int32Array, shape: number[], dtype?: 'float32' | 'int32'): TfTensor;
  variable(initial: TfTensor): TfVariable;
  tidy<T extends TfTensor | TfTensor[]>(fn: () => T): T;
  dispose(t: TfTensor | TfTensor[]): void;
  add(a: TfTensor, b: TfTensor | number): TfTensor;
  sub(a: TfTensor, b: TfTensor | number): TfTensor;
  mul(a: TfTensor, b: TfTensor | number): TfTensor;
  div(a: TfTensor, b: TfTensor | number): TfTensor;
  sqrt(x: TfTensor): TfTensor;
  sum(x: TfTensor, axis?: number | number[], keepDims?: boolean): TfTensor;
  relu(x: TfTensor): TfTensor;
  reshape(x: TfTensor, shape: number[]): TfTensor;
  matMul(a: TfTensor, b: TfTensor, transposeA?: boolean, transposeB?: boolean): TfTensor;
  moments(x: TfTensor, axes: number[], keepDims?: boolean): { mean: TfTensor; variance: TfTensor };
  batchNorm(
    x: TfTensor,
    mean: TfTensor,
    variance: TfTensor,
    offset?: TfTensor,
    scale?: TfTensor,
    varianceEpsilon?: number,
  ): TfTensor;
  transpose(x: TfTensor, perm: number[]): TfTensor;
  /** NHWC input, [kh, kw, in, out] filter; `pad` as a string or explicit per-dim pairs. */
  conv2d(
    x: TfTensor,
    filter: TfTensor,
    strides: number,
    pad: 'same' | 'valid' | number[][],
  ): TfTensor;
  conv2dTranspose(
    dy: TfTensor,
    filter: TfTensor,
    outputShape: number[],
    strides: number,
    pad: 'same' | 'valid' | number[][],
  ): TfTensor;
  maxPool(x: TfTensor, filterSize: number, strides: number, pad: 'same' | 'valid'): TfTensor;
  customGrad(
    f: (
      a: TfTensor,
      b: TfTensor,
      save: (tensors: TfTensor[]) => void,
    ) => { value: TfTensor; gradFunc: (dy: TfTensor, saved: TfTensor[]) => TfTensor[] },
  ): (a: TfTensor, b: TfTensor) => TfTensor;
  oneHot(indices: TfTensor, depth: number): TfTensor;
  cast(x: TfTensor, dtype: 'float32' | 'int32'): TfTensor;
  grads(f: (...args: TfTensor[]) => TfTensor): TfGradFn;
  valueAndGrads(
    f: (...args: TfTensor[]) => TfTensor,
  ): (args: TfTensor[], dy?: TfTensor) => { value: TfTensor; grads: TfTensor[] };
  losses: { softmaxCrossEntropy(onehotLabels: TfTensor, logits: TfTensor): TfTensor };
  train: {
    momentum(
      learningRate: number,
      momentum: number,
    ): {
      minimize(f: () => TfTensor, returnCost: true): TfTensor | null;
      dispose(): void;
    };
  };
}

// ---- jax-js -------------------------------------------------------------------------------------

/** A jax-js array. Arguments are consumed (reference counted): pass `x.ref` to keep `x`. */
export interface JaxArray {
  readonly shape: number[];
  readonly dtype: string;
  readonly ref: JaxArray;
  dispose(): void;
  /** Consumes the array. */
  dataSync(): Float32Array | Float64Array | Int32Array;
  blockUntilReady(): Promise<JaxArray>;
  add(other: JaxArray | number): JaxArray;
  sub(other: JaxArray | number): JaxArray;
  mul(other: JaxArray | number): JaxArray;
  div(other: JaxArray | number): JaxArray;
  reshape(shape: number[]): JaxArray;
  transpose(perm?: number[]): JaxArray;
}

export type JaxTree = JaxArray | JaxTree[];

export interface JaxNumpy {
  array(data: Float32Array | Float64Array | Int32Array, options?: { shape?: number[] }): JaxArray;
  mean(x: JaxArray, axis?: number | number[], options?: { keepdims?: boolean }): JaxArray;
  sum(x: JaxArray, axis?: number | number[], options?: { keepdims?: boolean }): JaxArray;
  square(x: JaxArray): JaxArray;
  sqrt(x: JaxArray): JaxArray;
  matmul(a: JaxArray, b: JaxArray): JaxArray;
  max(x: JaxArray, axis?: number | number[], options?: { keepdims?: boolean }): JaxArray;
}

export interface Jax {
  init(...devices: string[]): Promise<string[]>;
  defaultDevice(device?: string): string;
  numpy: JaxNumpy;
  lax: {
    /** NCHW input, [out, in, kh, kw] kernel, padding as (low, high) per spatial dim. */
    convGeneralDilated(
      lhs: JaxArray,
      rhs: JaxArray,
      windowStrides: number[],
      padding: [number, number][],
    ): JaxArray;
  };
  nn: {
    relu(x: JaxArray): JaxArray;
    logSoftmax(x: JaxArray, axis?: number): JaxArray;
  };
  jit<A extends unknown[], R>(f: (...args: A) => R): ((...args: A) => R) & { dispose(): void };
  vjp<A extends JaxArray[]>(
    f: (...args: A) => JaxArray,
    primals: A,
  ): [JaxArray, ((cotangent: JaxArray) => JaxArray[]) & { dispose(): void }];
  valueAndGrad<P extends JaxTree, A extends unknown[]>(
    f: (params: P, ...rest: A) => JaxArray,
  ): (params: P, ...rest: A) => [JaxArray, P];
}

// ---- js-pytorch ---------------------------------------------------------------------------------

export type Nested = number | Nested[];

/** A js-pytorch tensor: nested JS arrays of float64 numbers. */
export interface JsptTensor {
  readonly shape: number[];
  readonly data: Nested;
  _data: Nested;
  _grad: JsptTensor;
  readonly grad: Nested;
  add(other: JsptTensor | number): JsptTensor;
  sub(other: JsptTensor | number): JsptTensor;
  mul(other: JsptTensor | number): JsptTensor;
  div(other: JsptTensor | number): JsptTensor;
  matmul(other: JsptTensor): JsptTensor;
  sqrt(): JsptTensor;
  sum(dim?: number, keepdims?: boolean): JsptTensor;
  mean(dim?: number, keepdims?: boolean): JsptTensor;
  transpose(dim1: number, dim2: number): JsptTensor;
  reshape(shape: number[]): JsptTensor;
  backward(grad?: JsptTensor | null): void;
  zero_grad(): void;
}

export interface JsPytorch {
  torch: {
    tensor(data: Nested, requiresGrad?: boolean): JsptTensor;
    nn: {
      ReLU: new () => { forward(x: JsptTensor): JsptTensor };
      CrossEntropyLoss: new () => { forward(z: JsptTensor, y: JsptTensor): JsptTensor };
    };
  };
}

/** Nested arrays of `shape` from flat row-major values. */
export function nest(values: ArrayLike<number>, shape: readonly number[], offset = 0): Nested {
  if (shape.length === 0) return values[offset];
  const [n, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  const out: Nested[] = new Array<Nested>(n);
  for (let i = 0; i < n; i++) out[i] = nest(values, rest, offset + i * stride);
  return out;
}

/** The value at flat row-major index `i` of nested arrays of `shape`. */
export function nestedAt(data: Nested, shape: readonly number[], i: number): number {
  let cur = data;
  let rem = i;
  for (let d = 0; d < shape.length; d++) {
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const k = Math.floor(rem / stride);
    rem -= k * stride;
    if (typeof cur === 'number') break;
    cur = cur[k];
  }
  return typeof cur === 'number' ? cur : NaN;
}
