/**
 * What a fresh large typed array costs in Node: allocating an array of `mb` MiB and copying into
 * it, against copying into an existing one. The gap is the first touch of new memory: glibc's
 * malloc maps large blocks fresh from the kernel (and V8 frees dead ArrayBuffers only after a
 * collection), so every page faults once. Compare runs with and without
 *
 *   MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=2000000000
 *
 * which make glibc reuse freed heap blocks instead.
 *
 *   node --import tsx bench/first-touch.ts
 */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const keep: Float64Array[] = [];
for (const mb of [1, 4, 16, 32, 64]) {
  const n = (mb * 2 ** 20) / 8;
  const src = new Float64Array(n).fill(1);
  const existing = new Float64Array(n);
  const fresh: number[] = [];
  const reused: number[] = [];
  for (let r = 0; r < 9; r++) {
    let t0 = performance.now();
    const out = new Float64Array(n);
    out.set(src);
    fresh.push(performance.now() - t0);
    // The previous result stays alive until the next one exists, as in a training loop.
    keep[0] = out;
    t0 = performance.now();
    existing.set(src);
    reused.push(performance.now() - t0);
  }
  const f = median(fresh);
  const e = median(reused);
  console.log(
    `${String(mb).padStart(2)} MiB: new array + copy ${f.toFixed(2)} ms, copy into an existing ` +
      `one ${e.toFixed(2)} ms: first touch ${(((f - e) * 1e6) / (mb * 256)).toFixed(0)} ns per 4 KiB page`,
  );
}
