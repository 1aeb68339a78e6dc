/**
 * The WebAssembly kernel modules (assembled from the `.wat` files beside this one by
 * `scripts/build-wasm.mjs` into generated.ts), each compiled once and instantiated on the tensor
 * memory (src/storage/memory.ts), and the staging of their operands.
 *
 * A kernel addresses its operands by byte offset in that memory. An operand that lives there (a
 * tensor's pool block) is passed as it is: nothing is copied. One in a plain typed array (a
 * tensor at the edge, or past the memory's limit) is copied into a scratch block first, and a
 * plain output is copied out after; `stage` does both.
 */
import {
  heap,
  isResident,
  memory,
  memoryShared,
  wasmApi,
  type WasmMemory,
} from '../../storage/memory.js';
import { allocBytes, freeBlock, sizeClass } from '../../storage/pool.js';
import { dtypeOf, type Storage } from '../../tensor/dtype.js';
import { viewOn } from '../../storage/block.js';
import { platform } from '../../platform/index.js';
import { MATMUL_RELAXED_WASM, MATMUL_UNSHARED_WASM, MATMUL_WASM } from './generated.js';

export type { WasmMemory };

export function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

const compiled = new Map<string, object>();

/** The compiled module of an assembled kernel (base64, from generated.ts), compiled once. */
export function compile(base64: string): object {
  let m = compiled.get(base64);
  if (m === undefined) {
    m = new wasmApi.Module(decode(base64));
    compiled.set(base64, m);
  }
  return m;
}

/** The exports of a new instance of `module` with `imports`. */
export function instanceExports(
  module: object | Uint8Array,
  imports: object,
): Record<string, unknown> {
  const m = module instanceof Uint8Array ? new wasmApi.Module(module) : module;
  return new wasmApi.Instance(m, imports).exports;
}

/** A new WebAssembly memory (tests use one of their own). */
export function newMemory(descriptor: {
  initial: number;
  maximum: number;
  shared?: boolean;
}): WasmMemory {
  return new wasmApi.Memory(descriptor);
}

type Fn = (...args: number[]) => number;

/** The compiled variant of a kernel for the tensor memory: with or without `shared`. */
export function moduleFor(variants: { shared: string; unshared: string }): object {
  return compile(memoryShared() ? variants.shared : variants.unshared);
}

/** `module` instantiated on the tensor memory: its exports, which include the named functions. */
export function kernelModule<K extends string>(
  module: object,
  name: string,
  functions: readonly K[],
): Record<K, Fn> {
  const e = instanceExports(module, { env: { memory: memory() } });
  const out = {} as Record<K, Fn>;
  for (const f of functions) {
    const v = e[f];
    if (typeof v !== 'function') throw new Error(`${name}: no export ${f}`);
    out[f] = v as Fn;
  }
  return out;
}

/**
 * The exports of a kernel assembled with and without `shared` (see `moduleFor`), through a
 * function that instantiates it on the tensor memory at its first call and returns the same
 * exports after.
 * @example const exports = lazyKernelModule({ shared: CONV_WASM, unshared: CONV_UNSHARED_WASM }, 'conv.wasm', NAMES);
 */
export function lazyKernelModule<K extends string>(
  variants: { shared: string; unshared: string },
  name: string,
  functions: readonly K[],
): () => Record<K, Fn> {
  let exports: Record<K, Fn> | null = null;
  return () => (exports ??= kernelModule(moduleFor(variants), name, functions));
}

let matmul: { module: object; relaxed: boolean } | null = null;

/**
 * The float32 matmul module for the tensor memory: with `f32x4.relaxed_madd` (an FMA where the
 * CPU has one) where the memory is shared and the host compiles relaxed SIMD, else the plain one.
 */
export function matmulModule(): { module: object; relaxed: boolean } {
  if (matmul === null) {
    const relaxed = memoryShared() && relaxedSimd(decode(MATMUL_RELAXED_WASM));
    const module = relaxed
      ? compile(MATMUL_RELAXED_WASM)
      : moduleFor({ shared: MATMUL_WASM, unshared: MATMUL_UNSHARED_WASM });
    matmul = { module, relaxed };
  }
  return matmul;
}

/**
 * Whether the host compiles relaxed SIMD. Node 20 (V8 11.3) has it behind a flag, which applies
 * to modules compiled after it is set; later Nodes have it on. Checked on the module itself.
 */
export function relaxedSimd(bytes: Uint8Array): boolean {
  if (wasmApi.validate(bytes)) return true;
  return platform.enableRelaxedSimd() && wasmApi.validate(bytes);
}

// ---- operands -------------------------------------------------------------------------------

/** One operand of a kernel call: its elements, and whether the kernel writes them. */
export interface Operand {
  readonly data: Storage;
  /** The kernel writes it (copied out after the call when it is a plain array). */
  readonly out?: boolean;
  /** The kernel also reads an output's old values (copied in when it is a plain array). */
  readonly read?: boolean;
}

/** The byte offsets of a call's operands and scratch blocks; `done()` finishes the call. */
export class Staged {
  constructor(
    /** Byte offset of each operand, in the order given. */
    readonly at: number[],
    /** Byte offset of each scratch block asked for, in the order given. */
    readonly scratch: number[],
    private readonly operands: readonly Operand[],
    private readonly resident: readonly boolean[],
    /** Offset and size class of each block taken, in pairs. */
    private readonly taken: number[],
  ) {}

  /** Copies plain outputs out and frees the scratch blocks. */
  done(): void {
    const { operands, resident, at } = this;
    for (let i = 0; i < operands.length; i++) {
      const o = operands[i];
      if (o.out === true && !resident[i])
        o.data.set(viewOn(heap(), dtypeOf(o.data), at[i], o.data.length));
    }
    freeTaken(this.taken);
  }
}

function freeTaken(taken: readonly number[]): void {
  for (let i = 0; i < taken.length; i += 2) freeBlock(taken[i], taken[i + 1]);
}

/** A scratch block of `bytes` (16 at least), recorded in `taken`; −1 when none can be had. */
function take(taken: number[], bytes: number): number {
  const cls = sizeClass(Math.max(bytes, 16));
  const off = allocBytes(cls);
  if (off >= 0) taken.push(off, cls);
  return off;
}

/**
 * Places a kernel call's operands in the tensor memory: a resident operand at its own offset,
 * a plain one in a scratch block (copied in unless it is an output the kernel only writes), plus
 * `scratch` blocks of the given byte sizes, 16-byte aligned. Null (nothing allocated) when the
 * memory cannot hold them; the caller then runs the TypeScript kernel.
 *
 * Offsets of resident operands are read before any block is allocated: allocating may grow the
 * memory, which detaches the views of an unshared one (their offsets would then read as 0).
 */
export function stage(
  operands: readonly Operand[],
  scratch: readonly number[] = [],
): Staged | null {
  const n = operands.length;
  const resident = new Array<boolean>(n);
  const at = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const data = operands[i].data;
    resident[i] = isResident(data);
    at[i] = resident[i] ? data.byteOffset : -1;
  }
  const taken: number[] = [];
  for (let i = 0; i < n; i++) {
    if (resident[i]) continue;
    at[i] = take(taken, operands[i].data.byteLength);
    if (at[i] < 0) {
      freeTaken(taken);
      return null;
    }
  }
  const blocks = new Array<number>(scratch.length);
  for (let i = 0; i < scratch.length; i++) {
    blocks[i] = take(taken, scratch[i]);
    if (blocks[i] < 0) {
      freeTaken(taken);
      return null;
    }
  }
  for (let i = 0; i < n; i++) {
    const o = operands[i];
    if (resident[i] || (o.out === true && o.read !== true)) continue;
    viewOn(heap(), dtypeOf(o.data), at[i], o.data.length).set(o.data);
  }
  return new Staged(at, blocks, operands, resident, taken);
}
