/**
 * The WebAssembly SIMD kernels (assembled from the `.wat` files beside this one by
 * `scripts/build-wasm.mjs`). Tensors stay in JS typed arrays; a call copies its operands into the
 * module's memory, runs, and copies the result out, so nothing needs `dispose()`. The plain
 * TypeScript kernels remain the reference: `TAPEGRAD_KERNELS=reference` (or
 * `setKernelBackend('reference')`) turns the fast paths off, and the test suite runs both ways.
 *
 * Large products are shared with worker threads (Node's `worker_threads`) over one shared
 * WebAssembly memory: the calling thread signals each worker through `Atomics`, computes its own
 * share, and waits for the others, so the API stays synchronous. Workers start lazily on first
 * need, are `unref()`ed (they never keep the process alive), and a call made before they are up,
 * or on a host without workers or SharedArrayBuffer, runs on the calling thread alone.
 */
import type { Worker } from 'node:worker_threads';
import { ValueError } from '../../errors.js';
import {
  BATCHNORM_UNSHARED_WASM,
  BATCHNORM_WASM,
  MATMUL_RELAXED_WASM,
  MATMUL_UNSHARED_WASM,
  MATMUL_WASM,
} from './generated.js';

/** The kernel set: the WebAssembly SIMD kernels, or the plain TypeScript reference ones. */
export type KernelBackend = 'wasm' | 'reference';

let backend: KernelBackend =
  typeof process !== 'undefined' && process.env.TAPEGRAD_KERNELS === 'reference'
    ? 'reference'
    : 'wasm';

/**
 * Chooses the kernels: `'wasm'` (default) or the plain TypeScript `'reference'` ones, which the
 * fast kernels are tested against (`TAPEGRAD_KERNELS=reference` sets it for a whole process).
 * @example setKernelBackend('reference')
 */
export function setKernelBackend(b: KernelBackend): void {
  backend = b;
}

/** The kernels in use. */
export function kernelBackend(): KernelBackend {
  return backend;
}

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
const wasmApi: WasmApi = Reflect.get(globalThis, 'WebAssembly');

type MatmulF32Export = (
  a: number,
  b: number,
  c: number,
  n: number,
  k: number,
  m: number,
  j0: number,
  j1: number,
  bp: number,
  tmp: number,
  flags: number,
) => void;

/**
 * One part of a job shared by threads: chunk `chunk` on thread `slot`, with the job's 16 integer
 * arguments and one float (see `matmul_part` in matmul.wat, `forward_part` and `backward_part`
 * in batchnorm.wat).
 */
type Part = (chunk: number, slot: number, ...args: number[]) => void;

/** The kinds of job, by their index in `parts`. */
export const JOB_MATMUL = 0;
export const JOB_BN_FORWARD = 1;
export const JOB_BN_BACKWARD = 2;

interface MatmulKernel {
  readonly module: object;
  /** The BatchNorm module (batchnorm.wat), on the same memory. */
  readonly bnModule: object;
  readonly memory: WasmMemory;
  /** The memory is shared: workers can help. */
  readonly shared: boolean;
  /** The module multiplies-and-adds with `f32x4.relaxed_madd` (an FMA where the CPU has one). */
  readonly relaxed: boolean;
  readonly matmul: MatmulF32Export;
  /** The BatchNorm module's exports on this thread. */
  readonly bn: Record<string, unknown>;
  /** This thread's parts, by job kind. */
  readonly parts: readonly Part[];
}

let matmulKernel: MatmulKernel | null = null;

export function decode(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}

/**
 * Compiles and instantiates one assembled module (base64, from generated.ts) that has its own
 * memory, and checks that its exports include `memory` and the named functions.
 */
export function instantiate<E extends { memory: WasmMemory }>(
  base64: string,
  name: string,
  functions: readonly (keyof E & string)[],
): E {
  const instance = new wasmApi.Instance(new wasmApi.Module(decode(base64)), {});
  const e = instance.exports;
  const ok = (x: Record<string, unknown>): x is Record<string, unknown> & E =>
    typeof x.memory === 'object' &&
    x.memory !== null &&
    functions.every((f) => typeof x[f] === 'function');
  if (!ok(e)) throw new Error(`${name}: unexpected exports`);
  return e;
}

/** A new WebAssembly memory of `initial` 64 KiB pages, growable to `maximum`. */
export function newMemory(descriptor: {
  initial: number;
  maximum: number;
  shared?: boolean;
}): WasmMemory {
  return new wasmApi.Memory(descriptor);
}

/** The exports of a new instance of `bytes`, with `imports`. */
export function instanceExports(bytes: Uint8Array, imports: object): Record<string, unknown> {
  return new wasmApi.Instance(new wasmApi.Module(bytes), imports).exports;
}

/** Byte offsets pass through i32 parameters: the kernels address at most 2³¹ bytes. */
export const MAX_KERNEL_BYTES = 2 ** 31;

/**
 * Grows `memory` to hold at least `bytes` bytes; false when that is beyond
 * {@link MAX_KERNEL_BYTES} or the engine refuses to grow it. Every caller then runs the
 * TypeScript reference kernel instead, so an operand too large for WebAssembly is computed all
 * the same.
 */
export function reserve(memory: WasmMemory, bytes: number): boolean {
  if (bytes > MAX_KERNEL_BYTES) return false;
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (pages <= 0) return true;
  try {
    memory.grow(pages);
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

function hasMatmul(e: Record<string, unknown>): e is Record<string, unknown> & {
  matmul_f32: MatmulF32Export;
} {
  return typeof e.matmul_f32 === 'function';
}

/** The module's maximum memory, in 64 KiB pages (4 GiB, all that 32-bit addresses reach). */
const MAX_PAGES = 65536;

/**
 * Whether the host compiles relaxed SIMD. Node 20 (V8 11.3) has it behind a flag, which applies
 * to modules compiled after it is set; later Nodes have it on. Checked on the module itself.
 */
export function relaxedSimd(bytes: Uint8Array): boolean {
  if (wasmApi.validate(bytes)) return true;
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') {
    return false;
  }
  try {
    process.getBuiltinModule('node:v8').setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return wasmApi.validate(bytes);
}

function matmulKernelInstance(): MatmulKernel {
  if (matmulKernel === null) {
    let memory: WasmMemory;
    let module: object;
    let bnModule: object;
    let shared = true;
    let relaxed = false;
    try {
      memory = newMemory({ initial: 1, maximum: MAX_PAGES, shared: true });
      const fused = decode(MATMUL_RELAXED_WASM);
      relaxed = relaxedSimd(fused);
      module = new wasmApi.Module(relaxed ? fused : decode(MATMUL_WASM));
      bnModule = new wasmApi.Module(decode(BATCHNORM_WASM));
    } catch {
      // No SharedArrayBuffer (e.g. a browser page that is not cross-origin isolated).
      shared = false;
      relaxed = false;
      memory = newMemory({ initial: 1, maximum: MAX_PAGES });
      module = new wasmApi.Module(decode(MATMUL_UNSHARED_WASM));
      bnModule = new wasmApi.Module(decode(BATCHNORM_UNSHARED_WASM));
    }
    const imports = { env: { memory } };
    const { exports } = new wasmApi.Instance(module, imports);
    const bn = new wasmApi.Instance(bnModule, imports).exports;
    if (!hasMatmul(exports)) throw new Error('matmul.wasm: unexpected exports');
    const parts = [exports.matmul_part, bn.forward_part, bn.backward_part];
    if (!parts.every((f): f is Part => typeof f === 'function')) {
      throw new Error('matmul.wasm, batchnorm.wasm: unexpected exports');
    }
    matmulKernel = {
      module,
      bnModule,
      memory,
      shared,
      relaxed,
      matmul: exports.matmul_f32,
      bn,
      parts,
    };
  }
  return matmulKernel;
}

/**
 * The memory that the matmul and BatchNorm kernels share with the worker threads, the BatchNorm
 * module's exports on it, and the first byte offset free for operands.
 */
export function sharedKernels(): {
  memory: WasmMemory;
  bn: Record<string, unknown>;
  base: number;
} {
  const { memory, bn } = matmulKernelInstance();
  return { memory, bn, base: DATA_BYTES };
}

/** Which float32 matmul module runs: with a shared memory (threads) and with relaxed SIMD. */
export function matmulKernelInfo(): { sharedMemory: boolean; relaxedSimd: boolean } {
  const { shared, relaxed } = matmulKernelInstance();
  return { sharedMemory: shared, relaxedSimd: relaxed };
}

// ---- threads ----------------------------------------------------------------------------------

/**
 * The first bytes of the memory hold 16-int control slots and the job's arguments. Slot 0
 * describes the current job: its sequence number, the claim word, the count of finished chunks,
 * an error flag, its kind, its number of chunks and how many threads take part (workers from
 * slot `threads` on sit it out, so a lowered `setNumThreads` holds); its 16 integer arguments and
 * one float follow the slots. Slot w (w ≥ 1) belongs to worker w: a ready flag and a count of the chunks it has
 * computed. The operands start after all that.
 *
 * A job (a product's column panels, or a BatchNorm's channels) is cut into chunks, which the
 * threads claim one at a time until none is left, so a worker that wakes late or runs on a busy
 * core takes less. The claim word is the job's tag (its sequence number, 21 bits) times 1024
 * plus the next chunk; a thread claims with a compare-and-exchange that succeeds only while the
 * tag is its job's, so a worker that is late for one job does not compute a chunk of the next
 * (unless it stalls, between reading a job and claiming, for a multiple of 2²¹ − 1 jobs). The
 * arguments are written and read with `Atomics`, after the claim word is closed (chunk 1023) and
 * before it is opened: a claim that succeeds has read its own job's arguments.
 *
 * A worker that dies in the middle of a chunk (only a fatal error or an outside `terminate()`;
 * it catches its kernels' errors) leaves the caller waiting: its exit is reported on the event
 * loop, which a synchronous call never reaches.
 */
const SLOT_INTS = 16;
const MAX_THREADS = 64;
// slot 0
const SEQ = 0;
const CLAIM = 1;
const FINISHED = 2;
const FAILED = 3;
const KIND = 4;
const CHUNKS = 5;
const THREADS = 6;
/** The job's 16 integer arguments, then its float as two halves. */
const ARGS = SLOT_INTS * MAX_THREADS;
const ARG_INTS = 16;
const DATA_BYTES = 4 * (ARGS + 32);
// slot w ≥ 1
const READY = 0;
const CHUNKS_DONE = 1;
/** Sequence numbers (tags) run over [1, 2²¹); chunks are at most 1023 (1023 closes the word). */
const TAG_LIMIT = 1 << 21;
const CLOSED = 1023;

/**
 * How long (ms) a thread spins before it sleeps, waiting for a job or for the last chunks.
 * Products come in bursts (a training step): a spinning worker takes a job in ~1 µs, a sleeping
 * one in ~15 µs (futex wake-up, measured on a 2-core VM).
 */
const SPIN_MS = 0.05;

// Runs in each worker. An eval'd worker inherits the parent's flags, so it is a script or a module
// (under --input-type=module) and can use neither `require` nor `import` everywhere. Its chunk
// loop is the one in `runJob` below.
const WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule('node:worker_threads');
const { module, bnModule, memory, slot } = workerData;
const imports = { env: { memory } };
const bn = new WebAssembly.Instance(bnModule, imports).exports;
const parts = [new WebAssembly.Instance(module, imports).exports.matmul_part, bn.forward_part,
  bn.backward_part];
const ctl = new Int32Array(memory.buffer, 0, ${DATA_BYTES / 4});
const mine = slot * ${SLOT_INTS};
const float = new Float64Array(1);
const halves = new Int32Array(float.buffer);
Atomics.store(ctl, mine + ${READY}, 1);
let seq = 0;
for (;;) {
  const idle = performance.now();
  while (Atomics.load(ctl, ${SEQ}) === seq && performance.now() - idle < ${SPIN_MS}) {}
  if (Atomics.load(ctl, ${SEQ}) === seq) {
    // Woken by a job, or by the heads-up a caller sends before copying its operands: spin again.
    Atomics.wait(ctl, ${SEQ}, seq);
    continue;
  }
  seq = Atomics.load(ctl, ${SEQ});
  if (slot >= Atomics.load(ctl, ${THREADS})) continue;
  const part = parts[Atomics.load(ctl, ${KIND})];
  const chunks = Atomics.load(ctl, ${CHUNKS});
  const args = [];
  for (let i = 0; i < ${ARG_INTS}; i++) args.push(Atomics.load(ctl, ${ARGS} + i));
  halves[0] = Atomics.load(ctl, ${ARGS + ARG_INTS});
  halves[1] = Atomics.load(ctl, ${ARGS + ARG_INTS + 1});
  args.push(float[0]);
  for (;;) {
    const v = Atomics.load(ctl, ${CLAIM});
    const chunk = v & 1023;
    if (v >>> 10 !== seq || chunk >= chunks) break;
    if (Atomics.compareExchange(ctl, ${CLAIM}, v, v + 1) !== v) continue;
    try {
      part(chunk, slot, ...args);
      Atomics.add(ctl, mine + ${CHUNKS_DONE}, 1);
    } catch {
      Atomics.store(ctl, ${FAILED}, 1);
    }
    if (Atomics.add(ctl, ${FINISHED}, 1) + 1 === chunks) Atomics.notify(ctl, ${FINISHED});
  }
}
`;

/** `TAPEGRAD_NUM_THREADS`, or null when unset; a value that is not 1…64 is ignored with a warning. */
function parseThreads(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = /^[1-9][0-9]*$/.test(value.trim()) ? Number(value) : NaN;
  if (n >= 1 && n <= MAX_THREADS) return n;
  process.emitWarning(
    `TAPEGRAD_NUM_THREADS=${JSON.stringify(value)} is not an integer from 1 to ${MAX_THREADS}: ignored`,
  );
  return null;
}

/**
 * The default thread count: the CPUs, at most 8. Each worker is a whole V8 isolate (~10 MB), and
 * the split was measured on 2 cores only; `setNumThreads` goes beyond.
 */
function defaultThreads(): number {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') return 1;
  return Math.min(process.getBuiltinModule('node:os').availableParallelism(), 8);
}

let numThreads: number | null =
  typeof process === 'undefined' ? null : parseThreads(process.env.TAPEGRAD_NUM_THREADS);

/**
 * Sets how many threads a large float32 matmul or BatchNorm may use, the calling one included
 * (PyTorch's `torch.set_num_threads`), from 1 to 64. Defaults to `TAPEGRAD_NUM_THREADS`, else the
 * number of CPUs up to 8.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new ValueError(`setNumThreads: expected a positive integer, got ${n}`);
  }
  if (n > MAX_THREADS) {
    throw new ValueError(`setNumThreads: at most ${MAX_THREADS} threads are supported, got ${n}`);
  }
  numThreads = n;
}

/** The number of threads a large float32 matmul or BatchNorm may use (`torch.get_num_threads`). */
export function getNumThreads(): number {
  numThreads ??= defaultThreads();
  return numThreads;
}

/** Workers by slot (index 0, the calling thread, stays empty). */
const workers: (Worker | null)[] = [null];
/** Cleared when a worker cannot be started, or has failed or exited: no more splitting. */
let workersUsable = true;

/** How many of the slots 1..want−1 have a worker ready, starting the missing ones. */
function readyWorkers(kernel: MatmulKernel, ctl: Int32Array, want: number): number {
  if (!kernel.shared || !workersUsable) return 0;
  while (workers.length < want) {
    const slot = workers.length;
    try {
      const { Worker } = process.getBuiltinModule('node:worker_threads');
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          module: kernel.module,
          bnModule: kernel.bnModule,
          memory: kernel.memory,
          slot,
        },
      });
      worker.unref();
      // A worker that fails to start never reports ready. One that dies later (it catches its
      // own errors, so only a fatal error or an outside terminate()) is not used once the event
      // has arrived (see the control block above for one that dies during a call).
      worker.on('error', () => {
        workersUsable = false;
      });
      worker.on('exit', () => {
        workersUsable = false;
      });
      workers.push(worker);
    } catch {
      workersUsable = false;
      return 0;
    }
  }
  let ready = 0;
  while (ready + 1 < want && Atomics.load(ctl, (ready + 1) * SLOT_INTS + READY) === 1) ready++;
  return ready;
}

/**
 * Below this many multiply-adds (2²⁰, ~100³) a product runs on one thread. On 2 cores, with the
 * worker asleep between products, `scripts/bench-matmul.ts` times every product of the MNIST
 * step (64×784·784×256 and its gradients, 2²³·⁶; 64×256·256×128, 2²¹) 1.7–1.8× faster on two
 * threads, and the demo epoch went from about 450 to 375 ms (`npm run bench` has both rows).
 */
export const THREAD_MIN_WORK = 1 << 20;

let sequence = 0;

/**
 * How many threads an [n, k]·[k, m] product would use now: 1 below the size where sharing pays,
 * else up to `getNumThreads()` (at most one per 8-column panel) of which the workers are ready.
 * Starts the missing workers, which come up while the calling thread goes on alone.
 */
export function matmulThreads(n: number, k: number, m: number): number {
  const want = n * k * m >= THREAD_MIN_WORK ? Math.min(getNumThreads(), Math.ceil(m / 8)) : 1;
  return threadsReady(want);
}

/**
 * How many of `want` threads (the calling one included) are ready now; starts the missing
 * workers, which come up while the calling thread goes on alone.
 */
export function threadsReady(want: number): number {
  if (want <= 1) return 1;
  const kernel = matmulKernelInstance();
  return 1 + readyWorkers(kernel, control(kernel), want);
}

function control(kernel: MatmulKernel): Int32Array {
  return new Int32Array(kernel.memory.buffer, 0, DATA_BYTES / 4);
}

/** Rounds a float index up to a 64-byte boundary. */
function align(floats: number): number {
  return (floats + 15) & ~15;
}

/**
 * `out = op(a) · op(b)` for f32 `op(a)` of [n, k] and `op(b)` of [k, m], where `ta`/`tb` say that
 * an operand is stored transposed (`a` as [k, n], `b` as [m, k]) and is read so in place. In SIMD
 * with f32 accumulation (as
 * BLAS does; with fused multiply-adds where relaxed SIMD gives them): each element is within
 * k·2⁻²⁴·Σ|a||b| of the exact product. Every element is the same sequential sum whichever
 * thread computes it, so the result does not depend on the number of threads. False (nothing
 * written) when the operands do not fit the kernel's memory.
 */
export function matmulF32(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  n: number,
  k: number,
  m: number,
  ta = false,
  tb = false,
): boolean {
  const kernel = matmulKernelInstance();
  const flags = (ta ? 1 : 0) | (tb ? 2 : 0);
  const panels = Math.ceil(m / 8);
  const base = DATA_BYTES / 4;
  const bOff = align(base + a.length);
  const c = align(bOff + b.length);
  const bp = align(c + out.length);
  const tmp = align(bp + k * 8 * panels);
  if (!reserve(kernel.memory, 4 * (tmp + 32 * MAX_THREADS))) return false;
  const threads = matmulThreads(n, k, m);
  // A heads-up: a sleeping worker wakes (tens of µs) while the operands are copied in.
  if (threads > 1) Atomics.notify(control(kernel), SEQ);
  const heap = new Float32Array(kernel.memory.buffer);
  heap.set(a, base);
  heap.set(b, bOff);
  if (threads === 1) {
    kernel.matmul(4 * base, 4 * bOff, 4 * c, n, k, m, 0, m, 4 * bp, 4 * tmp, flags);
  } else {
    const per = chunkSize(panels, threads);
    const args = [4 * base, 4 * bOff, 4 * c, n, k, m, 4 * bp, 4 * tmp, flags, 0, 0, 0, 0, 0, 0];
    runJob(JOB_MATMUL, [...args, per], 0, Math.ceil(panels / per), threads);
  }
  out.set(heap.subarray(c, c + out.length));
  return true;
}

/**
 * Units (panels, channels) per chunk when `threads` share `units`: `perThread` chunks for each
 * thread (default 4), each a multiple of `multiple` units.
 */
export function chunkSize(units: number, threads: number, multiple = 1, perThread = 4): number {
  const per = Math.ceil(units / Math.min(CLOSED, perThread * threads));
  return Math.ceil(per / multiple) * multiple;
}

/**
 * Runs a job of kind `kind` (a part of matmul.wat or batchnorm.wat) cut into `chunks` on `threads`
 * threads (the calling one and workers 1 … threads − 1): publishes its 16 integer arguments and
 * its float, and computes chunks on the calling thread until none is left to claim, then waits
 * for those the workers took.
 */
export function runJob(
  kind: number,
  args: number[],
  float: number,
  chunks: number,
  threads: number,
): void {
  if (args.length !== ARG_INTS) {
    throw new Error(`runJob: expected ${ARG_INTS} integer arguments, got ${args.length}`);
  }
  const kernel = matmulKernelInstance();
  const job = control(kernel);
  const halves = new Int32Array(Float64Array.of(float).buffer);
  sequence = (sequence % (TAG_LIMIT - 1)) + 1;
  const seq = sequence;
  Atomics.store(job, CLAIM, seq * 1024 + CLOSED);
  Atomics.store(job, FINISHED, 0);
  Atomics.store(job, FAILED, 0);
  Atomics.store(job, KIND, kind);
  Atomics.store(job, CHUNKS, chunks);
  Atomics.store(job, THREADS, threads);
  args.forEach((v, i) => Atomics.store(job, ARGS + i, v));
  Atomics.store(job, ARGS + ARG_INTS, halves[0]);
  Atomics.store(job, ARGS + ARG_INTS + 1, halves[1]);
  Atomics.store(job, CLAIM, seq * 1024);
  Atomics.store(job, SEQ, seq);
  Atomics.notify(job, SEQ);
  const part = kernel.parts[kind];
  // An error here still waits for the chunks the workers took: they write into this memory.
  let error: unknown = null;
  for (;;) {
    const v = Atomics.load(job, CLAIM);
    const chunk = v & 1023;
    if (chunk >= chunks) break;
    if (Atomics.compareExchange(job, CLAIM, v, v + 1) !== v) continue;
    try {
      part(chunk, 0, ...args, float);
    } catch (e) {
      error ??= e;
    }
    Atomics.add(job, FINISHED, 1);
  }
  const start = performance.now();
  while (Atomics.load(job, FINISHED) < chunks && performance.now() - start < SPIN_MS);
  for (let f = Atomics.load(job, FINISHED); f < chunks; f = Atomics.load(job, FINISHED)) {
    Atomics.wait(job, FINISHED, f);
  }
  const workerFailed = Atomics.exchange(job, FAILED, 0) !== 0;
  if (error !== null) throw error;
  if (workerFailed) throw new Error('a kernel worker thread failed');
}

/** How many chunks of shared products each worker has computed (slot w − 1 for worker w). */
export function workerChunks(): number[] {
  const ctl = control(matmulKernelInstance());
  return workers.slice(1).map((_, i) => Atomics.load(ctl, (i + 1) * SLOT_INTS + CHUNKS_DONE));
}
