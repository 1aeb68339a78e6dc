/**
 * Why tensor storage cannot be recycled automatically inside a synchronous training loop: a
 * loop allocates typed arrays registered with a FinalizationRegistry, plus WeakRefs, and forces
 * collections as it goes. No WeakRef is cleared until the loop has yielded to the event loop,
 * and finalization callbacks come later still, so a pool fed by either gets no buffer back
 * while the loop runs.
 *
 *   node --expose-gc --import tsx bench/gc-reclaim.ts
 */
const gc: (() => void) | undefined = Reflect.get(globalThis, 'gc');
if (gc === undefined) {
  console.error('run with --expose-gc');
  process.exit(2);
}
let finalized = 0;
const registry = new FinalizationRegistry(() => {
  finalized++;
});
const weak: WeakRef<Float32Array>[] = [];
const steps = 200_000;
for (let i = 0; i < steps; i++) {
  registry.register(new Float32Array(256), i);
  if (i % 1000 === 0) weak.push(new WeakRef(new Float32Array(16)));
  if (i % 50_000 === 0) gc();
}
gc();
const cleared = (): number => weak.filter((w) => w.deref() === undefined).length;
console.log(
  `in the loop (${steps} arrays, 5 forced collections): ${finalized} finalization callbacks, ` +
    `${cleared()} of ${weak.length} WeakRefs cleared`,
);
await new Promise((done) => setTimeout(done, 10));
gc();
await new Promise((done) => setTimeout(done, 50));
console.log(
  `after yielding twice: ${finalized} finalization callbacks, ${cleared()} of ${weak.length} WeakRefs cleared`,
);
