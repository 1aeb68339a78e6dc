/**
 * The pool allocator of the tensor memory: size classes with a free list each, over a bump
 * pointer, as jax-js does. A request is rounded up to its class: powers of two from 64 bytes to
 * 64 KiB, then multiples of 64 KiB. A freed block goes onto its class's list and the next request
 * of that class takes it back, so the second and later iterations of a training step get blocks
 * that are already touched (a fresh page costs a fault on first touch; see
 * shared/design/memory.md). Blocks are never split or merged, and the memory never shrinks.
 *
 * Every class is a multiple of 64 bytes and the bump pointer starts 64-aligned, so every block
 * is aligned for SIMD loads and for either element type.
 */
import { platform } from '../platform/index.js';
import { growTo, heap, memoryBytes, RESERVED_BYTES } from './memory.js';

const SMALL_LIMIT = 65536;

/** The bytes a request of `bytes` occupies. */
export function sizeClass(bytes: number): number {
  if (bytes <= 64) return 64;
  if (bytes <= SMALL_LIMIT) return 1 << (32 - Math.clz32(bytes - 1));
  return Math.ceil(bytes / SMALL_LIMIT) * SMALL_LIMIT;
}

const freeLists = new Map<number, number[]>();
let top = RESERVED_BYTES;
let liveBytes = 0;
let freeBytes = 0;
let liveBlocks = 0;
let fallbacks = 0;

/**
 * Released blocks are filled with NaN bytes (0xff: NaN as float32 and float64, −1 as int32) when
 * `TAPEGRAD_FILL_FREED=nan` is set, so that a read of released memory shows up in results.
 */
let poison = platform.env('TAPEGRAD_FILL_FREED') === 'nan';

/** Turns the NaN fill of released blocks on or off (tests use it to prove nothing reads them). */
export function setFillFreed(on: boolean): void {
  poison = on;
}

/** Whether released blocks are filled with NaN. */
export function fillFreed(): boolean {
  return poison;
}

/**
 * A block of class `cls` bytes: its byte offset, or −1 when the memory cannot provide it (it
 * would have to grow past its limit).
 */
export function allocBytes(cls: number): number {
  const list = freeLists.get(cls);
  let offset: number;
  if (list !== undefined && list.length > 0) {
    offset = list.pop()!;
    freeBytes -= cls;
  } else {
    if (top + cls > memoryBytes() && !growTo(top + cls)) {
      fallbacks++;
      return -1;
    }
    offset = top;
    top += cls;
  }
  liveBytes += cls;
  liveBlocks++;
  return offset;
}

/** Returns a block to its class's free list. */
export function freeBlock(offset: number, cls: number): void {
  if (poison) new Uint8Array(heap(), offset, cls).fill(0xff);
  let list = freeLists.get(cls);
  if (list === undefined) {
    list = [];
    freeLists.set(cls, list);
  }
  list.push(offset);
  liveBytes -= cls;
  freeBytes += cls;
  liveBlocks--;
}

/** What the tensor memory holds now (`memoryStats`). */
export interface PoolStats {
  /** The WebAssembly memory's size in bytes (it never shrinks). */
  memoryBytes: number;
  /** Bytes in blocks that tensors hold. */
  liveBytes: number;
  /** Bytes in released blocks, waiting on their free lists for a tensor of their class. */
  freeBytes: number;
  /** Blocks that tensors hold. */
  liveBlocks: number;
  /** Tensors that got a plain typed array because the memory had reached its limit. */
  fallbacks: number;
}

export function poolStats(): PoolStats {
  return { memoryBytes: memoryBytes(), liveBytes, freeBytes, liveBlocks, fallbacks };
}
