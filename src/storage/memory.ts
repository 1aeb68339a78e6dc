/**
 * The one WebAssembly memory that holds tensor storage. Every kernel module imports it as
 * `env.memory`, so a kernel reads its operands and writes its result where they already are,
 * by byte offset: nothing is copied in or out. It is shared (a SharedArrayBuffer) wherever the
 * host allows, so that the worker threads see it too, and so that a typed-array view made before
 * the memory grew stays valid; where it cannot be shared (a browser page that is not
 * cross-origin isolated), growing it detaches every view, and `Block` rebuilds its view on the
 * next read.
 *
 * The first {@link RESERVED_BYTES} bytes belong to the thread pool's control block; the pool
 * allocator (`pool.ts`) hands out everything after them. Kernels address bytes through i32
 * parameters, so the memory never grows beyond 2³¹ bytes ({@link MAX_BYTES}); a limit below
 * that (`setMemoryLimit`) bounds it further.
 */
import { ValueError } from '../errors.js';

// The lib this project compiles against (ES2022, no DOM) has no WebAssembly types: the little
// that is used is declared here.
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi: WasmApi = Reflect.get(globalThis, 'WebAssembly');

const PAGE = 65536;
/** Byte offsets pass through i32 parameters: the kernels address at most 2³¹ bytes. */
export const MAX_BYTES = 2 ** 31;
/** The start of the memory, kept for the thread pool's control block (see kernels/wasm/threads.ts). */
export const RESERVED_BYTES = 8192;

let mem: WasmMemory | null = null;
let shared = false;
/** The memory's buffer as last seen; replaced when the memory grows. */
let current: ArrayBufferLike = new ArrayBuffer(0);
/**
 * Every buffer object the memory has had that is still valid: all of them when shared (an old
 * SharedArrayBuffer keeps its length and stays usable), the current one otherwise.
 */
const buffers = new Set<ArrayBufferLike>();

/** Bytes the memory may grow to (`setMemoryLimit`), at most {@link MAX_BYTES}. */
let limit = 2 ** 30;

function create(): WasmMemory {
  try {
    mem = new wasmApi.Memory({ initial: 1, maximum: MAX_BYTES / PAGE, shared: true });
    shared = true;
  } catch {
    // No SharedArrayBuffer (a browser page that is not cross-origin isolated).
    mem = new wasmApi.Memory({ initial: 1, maximum: MAX_BYTES / PAGE });
    shared = false;
  }
  refresh(mem);
  return mem;
}

function refresh(m: WasmMemory): void {
  current = m.buffer;
  if (!shared) buffers.clear();
  buffers.add(current);
}

/** The tensor memory (created on first use). */
export function memory(): WasmMemory {
  return mem ?? create();
}

/** Whether the memory is shared, so that worker threads can compute in it. */
export function memoryShared(): boolean {
  memory();
  return shared;
}

/** The memory's current buffer, for making views on it. */
export function heap(): ArrayBufferLike {
  if (mem === null) create();
  return current;
}

/** The memory's size in bytes. */
export function memoryBytes(): number {
  return heap().byteLength;
}

/** Whether `view` lies in the tensor memory, so that kernels can address it by its byte offset. */
export function isResident(view: ArrayBufferView): boolean {
  return buffers.has(view.buffer);
}

/**
 * Grows the memory to at least `bytes` bytes, by a quarter of its size at least so that a
 * growing pool grows rarely; false (nothing changed) when that is beyond the limit or the engine
 * refuses.
 */
export function growTo(bytes: number): boolean {
  const m = memory();
  const have = m.buffer.byteLength;
  if (bytes <= have) return true;
  if (bytes > limit) return false;
  const want = Math.min(limit, Math.max(bytes, have + have / 4));
  const pages = Math.ceil((want - have) / PAGE);
  try {
    m.grow(pages);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // The engine refused the generous size: try the bare need.
    try {
      m.grow(Math.ceil((bytes - have) / PAGE));
    } catch (e2) {
      if (e2 instanceof RangeError) return false;
      throw e2;
    }
  }
  refresh(m);
  return true;
}

/**
 * Sets how large the tensor memory may grow, in bytes (default 1 GiB, at most 2 GiB). Past it,
 * new tensors get plain typed arrays, which work everywhere but are copied in and out of the
 * WebAssembly kernels. The memory never shrinks (WebAssembly has no way to), so a limit below
 * its current size only stops further growth.
 * @example setMemoryLimit(512 * 2 ** 20)
 */
export function setMemoryLimit(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new ValueError(`setMemoryLimit: expected a non-negative number of bytes, got ${bytes}`);
  }
  if (bytes > MAX_BYTES) {
    throw new ValueError(
      `setMemoryLimit: the WebAssembly kernels address at most ${MAX_BYTES} bytes, got ${bytes}`,
    );
  }
  limit = bytes;
}

/** The current limit of {@link setMemoryLimit}. */
export function memoryLimit(): number {
  return limit;
}
