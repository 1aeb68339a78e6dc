// Times the f32 WebAssembly matmul on the shapes that matter: 1024³ and the products of the MNIST
// training step (784-256-128-10 MLP, batch 64, forward and backward). Thread counts alternate
// call by call, so that a noisy neighbour slows them alike; each cell is a median.
//
// Run: node --import tsx scripts/bench-matmul.ts [threads...]   (default: 1 2)
import { loadavg } from 'node:os';
import { matmulF32, matmulThreads, setNumThreads } from '../src/kernels/wasm/index.js';

const shapes: [number, number, number][] = [
  [1024, 1024, 1024],
  [64, 784, 256],
  [64, 256, 128],
  [256, 64, 784],
  [784, 64, 256],
  [64, 256, 784],
  [64, 128, 256],
];

function rand(len: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: len }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1];
}

const args = process.argv.slice(2).map(Number);
const threadCounts = args.length > 0 ? args : [1, 2];
console.log(`load average ${loadavg().map((x) => x.toFixed(2))}`);
for (const [n, k, m] of shapes) {
  const a = rand(n * k, 1);
  const b = rand(k * m, 2);
  const out = new Float32Array(n * m);
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
  console.log(`${n}x${k}·${k}x${m}`.padEnd(22), cells.join('   '));
}
