// Times the f32 WebAssembly matmul, on operands in the tensor memory, on the shapes that matter: 1024³ and the products of the MNIST
// training step (784-256-128-10 MLP, batch 64, forward and backward). Thread counts alternate
// call by call, so that a noisy neighbour slows them alike; each cell is a median.
//
// Run: node --import tsx scripts/bench-matmul.ts [threads...]   (default: 1 2)
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import {
  matmulF32,
  matmulKernelInfo,
  matmulThreads,
  setNumThreads,
} from '../src/kernels/wasm/index.js';
import { Block } from '../src/storage/block.js';

const shapes: [number, number, number][] = [
  [1024, 1024, 1024],
  [64, 784, 256],
  [64, 256, 128],
  [256, 64, 784],
  [784, 64, 256],
  [64, 256, 784],
  [64, 128, 256],
];

/** `len` seeded values in a block of the tensor memory, where the kernel reads them in place. */
function rand(len: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = Block.alloc('float32', len, true, false).data as Float32Array;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Busy CPU seconds of the whole machine (Linux /proc/stat), or NaN elsewhere. */
function machineBusy(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const t = f.map(Number);
    return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / 100;
  } catch {
    return NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1];
}

const args = process.argv.slice(2).map(Number);
const threadCounts = args.length > 0 ? args : [1, 2];
console.log(`load average ${loadavg().map((x) => x.toFixed(2))},`, matmulKernelInfo());
for (const [n, k, m] of shapes) {
  const busy0 = machineBusy();
  const own0 = process.cpuUsage();
  const wall0 = performance.now();
  const a = rand(n * k, 1);
  const b = rand(k * m, 2);
  const out = rand(n * m, 3);
  const flops = 2 * n * k * m;
  const reps = Math.max(9, Math.min(400, Math.round(4e9 / flops)));
  const times = threadCounts.map((): number[] => []);
  for (const t of threadCounts) {
    setNumThreads(t);
    const start = performance.now();
    while (
      matmulThreads(n, k, m) < Math.min(t, Math.ceil(m / 8)) &&
      performance.now() - start < 5e3
    ) {
      matmulF32(out, a, b, n, k, m);
    }
    for (let w = 0; w < 3; w++) matmulF32(out, a, b, n, k, m);
  }
  for (let r = 0; r < reps; r++) {
    threadCounts.forEach((t, i) => {
      setNumThreads(t);
      const t0 = performance.now();
      matmulF32(out, a, b, n, k, m);
      times[i].push(performance.now() - t0);
    });
  }
  const cells = threadCounts.map((t, i) => {
    const ms = median(times[i]);
    return `${t}T ${ms.toFixed(3)} ms ${(flops / ms / 1e6).toFixed(1)} GFLOP/s`;
  });
  // The machine may be shared: the CPU time other processes took during this row, in cores.
  const own = process.cpuUsage(own0);
  const others =
    (machineBusy() - busy0 - (own.user + own.system) / 1e6) / ((performance.now() - wall0) / 1e3);
  const noise = `others ${Math.max(0, others).toFixed(2)}/${cpus().length} cores`;
  console.log(`${n}x${k}·${k}x${m}`.padEnd(22), cells.join('   '), `  (${noise})`);
}
