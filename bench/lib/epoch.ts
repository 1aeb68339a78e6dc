/**
 * The case every framework's training epoch is measured through: the framework's own loop yields
 * each batch's loss, and the runner stops it at its deadline and keeps the probe of the first
 * whole epoch for the agreement check.
 */
import type { Case, Probe } from './measure.js';

export interface Epoch {
  /** Batches in one epoch. */
  batches: number;
  /** Seconds one epoch may run before it is stopped and reported as unfinished. */
  deadline: number;
  /**
   * One epoch: trains on the batches in order and yields each batch's loss after its step. The
   * runner may stop iterating after any batch (a generator's `finally` still runs).
   */
  losses(): Iterable<number>;
  dispose?(): void;
}

export function epochRunner(e: Epoch): Case {
  let first: Probe | null = null;
  let stopped: string | null = null;
  return {
    run() {
      const deadline = performance.now() + e.deadline * 1000;
      const losses: number[] = [];
      stopped = null;
      for (const loss of e.losses()) {
        losses.push(loss);
        if (performance.now() > deadline && losses.length < e.batches) {
          stopped = `${losses.length}/${e.batches} batches`;
          return;
        }
      }
      // The agreement check compares the first epoch's first-batch and mean loss (later epochs
      // start from trained weights).
      first ??= {
        firstLoss: [losses[0]],
        meanLoss: [losses.reduce((a, b) => a + b, 0) / losses.length],
      };
    },
    probe: () => first ?? {},
    unfinished: () => stopped,
    dispose: () => e.dispose?.(),
  };
}
