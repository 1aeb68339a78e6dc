/**
 * A block of tensor storage: the elements of one tensor and of its views (reshape, detach), in
 * the WebAssembly memory (a pool block at a byte offset) or, at the edges, in a plain typed
 * array. Tensors hold it by reference count; the last release gives a pool block back to the
 * pool. A block can move out of the memory into a plain array (`toPlain`): every tensor holding
 * it sees the move, because they share the one `Block` object.
 */
import type { DType, Storage } from '../tensor/dtype.js';
import { allocBytes, fillFreed, freeBlock, sizeClass } from './pool.js';
import { heap } from './memory.js';

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

function plainArray(dtype: DType, n: number): Storage {
  if (dtype === 'float32') return new Float32Array(n);
  if (dtype === 'float64') return new Float64Array(n);
  return new Int32Array(n);
}

/** A typed array of `n` elements of `dtype` at byte `offset` of `buffer`. */
export function viewOn(buffer: ArrayBufferLike, dtype: DType, offset: number, n: number): Storage {
  if (dtype === 'float32') return new Float32Array(buffer, offset, n);
  if (dtype === 'float64') return new Float64Array(buffer, offset, n);
  return new Int32Array(buffer, offset, n);
}

function fillNaN(view: Storage): void {
  new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(0xff);
}

export class Block {
  /** References held by tensors; 0 once released. */
  refs = 1;
  private view: Storage;

  private constructor(
    readonly dtype: DType,
    readonly length: number,
    /** Byte offset in the tensor memory, or −1 for a plain typed array. */
    public offset: number,
    /** Bytes of the pool block (its size class); 0 for a plain array. */
    public capacity: number,
    view: Storage,
  ) {
    this.view = view;
  }

  /**
   * A block of `n` elements: from the pool when `resident` and the memory can provide it, else
   * a plain typed array. Zero-filled when `zero` (pool blocks are reused, so their contents are
   * whatever was there before).
   */
  static alloc(dtype: DType, n: number, resident: boolean, zero: boolean): Block {
    if (resident && n > 0) {
      const cls = sizeClass(n * BYTES[dtype]);
      const offset = allocBytes(cls);
      if (offset >= 0) {
        const view = viewOn(heap(), dtype, offset, n);
        if (zero) view.fill(0);
        return new Block(dtype, n, offset, cls, view);
      }
    }
    return new Block(dtype, n, -1, 0, plainArray(dtype, n));
  }

  /** A block over a plain typed array the caller gives up (no copy). */
  static adopt(data: Storage, dtype: DType): Block {
    return new Block(dtype, data.length, -1, 0, data);
  }

  /** The elements, as a typed array (a view on the memory, or the plain array). */
  get data(): Storage {
    const v = this.view;
    // A view on an unshared memory is detached (length 0) once the memory has grown.
    return v.length === this.length ? v : this.reattach();
  }

  private reattach(): Storage {
    if (this.refs === 0) throw new Error('tapegrad internal error: a released block was read');
    this.view = viewOn(heap(), this.dtype, this.offset, this.length);
    return this.view;
  }

  /** Whether the elements are in the tensor memory. */
  get resident(): boolean {
    return this.offset >= 0;
  }

  retain(): void {
    this.refs++;
  }

  /** Drops one reference; the last one frees the block. */
  release(): void {
    if (--this.refs > 0) return;
    if (this.offset >= 0) {
      freeBlock(this.offset, this.capacity);
      this.offset = -1;
    } else if (fillFreed()) {
      fillNaN(this.view);
    }
  }

  /** Moves the elements out of the tensor memory into a plain typed array (copied). */
  toPlain(): void {
    if (this.offset < 0) return;
    const copy = plainArray(this.dtype, this.length);
    copy.set(this.data);
    freeBlock(this.offset, this.capacity);
    this.offset = -1;
    this.capacity = 0;
    this.view = copy;
  }
}
