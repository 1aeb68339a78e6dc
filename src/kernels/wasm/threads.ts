/**
 * The thread pool: large matmuls and BatchNorms are shared with worker threads over the tensor
 * memory, which is shared. The workers come from the platform layer (src/platform): Node's
 * `worker_threads`, or module Web Workers in a cross-origin isolated browser context. The
 * calling thread publishes a job in the control block at the start of the memory, signals the
 * workers through `Atomics`, computes chunks itself, and waits for the ones the workers took, so
 * the API stays synchronous. Workers start lazily on first need (in Node they never keep the
 * process alive), and a call made before they are up runs on the calling thread alone. Where the
 * platform cannot run threads (no shared memory, or a browser page's main thread, which may not
 * block in `Atomics.wait`), everything runs on the calling thread and `getNumThreads()` says 1.
 */
import { ValueError } from '../../errors.js';
import { platform, type WorkerHandle } from '../../platform/index.js';
import { heap, memory, memoryShared, RESERVED_BYTES } from '../../storage/memory.js';
import { BATCHNORM_UNSHARED_WASM, BATCHNORM_WASM } from './generated.js';
import { kernelModule, matmulModule, moduleFor } from './instance.js';

/** The BatchNorm module for the tensor memory. */
export function batchnormModule(): object {
  return moduleFor({ shared: BATCHNORM_WASM, unshared: BATCHNORM_UNSHARED_WASM });
}

/**
 * One part of a job shared by threads: chunk `chunk` on thread `slot`, with the job's 16 integer
 * arguments and one float (see `matmul_part` in matmul.wat, `forward_part` and `backward_part`
 * in batchnorm.wat).
 */
type Part = (chunk: number, slot: number, ...args: number[]) => void;

/** The kinds of job, by their index in `jobParts()`. */
export const JOB_MATMUL = 0;
export const JOB_BN_FORWARD = 1;
export const JOB_BN_BACKWARD = 2;

let parts: Part[] | null = null;

/** This thread's parts of the three kinds of job, instantiated on the tensor memory. */
function jobParts(): Part[] {
  if (parts === null) {
    const mm = kernelModule(matmulModule().module, 'matmul.wasm', ['matmul_part']);
    const bn = kernelModule(batchnormModule(), 'batchnorm.wasm', ['forward_part', 'backward_part']);
    parts = [mm.matmul_part, bn.forward_part, bn.backward_part];
  }
  return parts;
}

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
export const MAX_THREADS = 64;
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
if (DATA_BYTES > RESERVED_BYTES) throw new Error('the thread control block does not fit its room');
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

// Runs in each worker, called with its `KernelWorkerData` (src/platform): a function expression
// as source text, closed over nothing, that the platform starts in a worker of its kind. It uses
// only what every worker has (WebAssembly, Atomics, performance). Its chunk loop is the one in
// `runJob` below.
const WORKER_BODY = `({ module, bnModule, memory, slot }) => {
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
}`;

/** `TAPEGRAD_NUM_THREADS`, or null when unset; a value that is not 1…64 is ignored with a warning. */
function parseThreads(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = /^[1-9][0-9]*$/.test(value.trim()) ? Number(value) : NaN;
  if (n >= 1 && n <= MAX_THREADS) return n;
  platform.warn(
    `TAPEGRAD_NUM_THREADS=${JSON.stringify(value)} is not an integer from 1 to ${MAX_THREADS}: ignored`,
  );
  return null;
}

/**
 * The default thread count: the CPUs, at most 8. Each worker is a whole JavaScript engine
 * instance (~10 MB in Node), and the split was measured on 2 cores only; `setNumThreads` goes
 * beyond.
 */
function defaultThreads(): number {
  return Math.min(platform.cpuCount(), 8);
}

/** What was asked for: `setNumThreads`, else `TAPEGRAD_NUM_THREADS`, else null (the default). */
let requested: number | null = parseThreads(platform.env('TAPEGRAD_NUM_THREADS'));

/** Why threads cannot run here, or null when they can (see `getNumThreads`). */
function threadsUnavailable(): string | null {
  if (!memoryShared()) {
    return 'the host gives no shared WebAssembly memory (SharedArrayBuffer), which threads need';
  }
  if (!workersUsable) return 'a kernel worker failed to start or exited';
  return platform.threadsUnavailable();
}

/**
 * Sets how many threads a large float32 matmul or BatchNorm may use, the calling one included
 * (PyTorch's `torch.set_num_threads`), from 1 to 64. Defaults to `TAPEGRAD_NUM_THREADS` (Node),
 * else the number of CPUs up to 8. Where threads cannot run (a browser page's main thread, which
 * may not block in `Atomics.wait`: train in a Worker for threads; a page that is not cross-origin
 * isolated; a host without shared memory), asking for more than one warns, saying why, and
 * `getNumThreads()` stays 1.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new ValueError(`setNumThreads: expected a positive integer, got ${n}`);
  }
  if (n > MAX_THREADS) {
    throw new ValueError(`setNumThreads: at most ${MAX_THREADS} threads are supported, got ${n}`);
  }
  requested = n;
  const why = n > 1 ? threadsUnavailable() : null;
  if (why !== null) platform.warn(`setNumThreads(${n}): running on 1 thread, because ${why}`);
}

/**
 * The number of threads a large float32 matmul or BatchNorm may use (`torch.get_num_threads`):
 * what `setNumThreads` (or the default) asked for where threads can run, else 1.
 */
export function getNumThreads(): number {
  if (threadsUnavailable() !== null) return 1;
  requested ??= defaultThreads();
  return requested;
}

/** Workers by slot (index 0, the calling thread, stays empty). */
const workers: (WorkerHandle | null)[] = [null];
/** Cleared when a worker cannot be started, or has failed or exited: no more splitting. */
let workersUsable = true;

/** How many of the slots 1..want−1 have a worker ready, starting the missing ones. */
function readyWorkers(ctl: Int32Array, want: number): number {
  if (threadsUnavailable() !== null) return 0;
  while (workers.length < want) {
    const slot = workers.length;
    // A worker that fails to start never reports ready. One that dies later (it catches its
    // own errors, so only a fatal error or an outside terminate()) is not used once the event
    // has arrived (see the control block above for one that dies during a call).
    const onFail = (failed: boolean): void => {
      if (failed && workersUsable) {
        platform.warn(
          'a kernel worker thread failed to start or failed (in a browser, a Content Security ' +
            'Policy needs worker-src blob: for them): running on 1 thread from now on',
        );
      }
      workersUsable = false;
    };
    let worker: WorkerHandle | null = null;
    try {
      worker = platform.startWorker(
        WORKER_BODY,
        { module: matmulModule().module, bnModule: batchnormModule(), memory: memory(), slot },
        onFail,
      );
    } catch {
      onFail(true);
      return 0;
    }
    if (worker === null) {
      workersUsable = false;
      return 0;
    }
    workers.push(worker);
  }
  let ready = 0;
  while (ready + 1 < want && Atomics.load(ctl, (ready + 1) * SLOT_INTS + READY) === 1) ready++;
  return ready;
}

/**
 * How many of `want` threads (the calling one included) are ready now; starts the missing
 * workers, which come up while the calling thread goes on alone.
 */
export function threadsReady(want: number): number {
  if (want <= 1) return 1;
  return 1 + readyWorkers(control(), want);
}

let sequence = 0;

/** A heads-up: a sleeping worker starts waking (tens of µs) while the caller prepares a job. */
export function wakeWorkers(): void {
  Atomics.notify(control(), SEQ);
}

function control(): Int32Array {
  return new Int32Array(heap(), 0, DATA_BYTES / 4);
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
  if (threads > 1 && threadsUnavailable() !== null) {
    throw new Error(`runJob: ${threads} threads asked for where threads cannot run`);
  }
  const job = control();
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
  const part = jobParts()[kind];
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
  const ctl = control();
  return workers.slice(1).map((_, i) => Atomics.load(ctl, (i + 1) * SLOT_INTS + CHUNKS_DONE));
}
