/** The class targets of the NLL and cross-entropy losses. */

/** What `classTargetsKernel` found. */
export interface ClassTargetScan {
  /** The targets with ignored positions set to class 0 (any valid class: they are masked). */
  safe: Int32Array;
  /** 1 where a target counts and 0 where it is `ignoreIndex`; null when none is ignored. */
  keep: Float64Array | null;
  /** How many targets count. */
  count: number;
  /** The first target outside [0, classes) that is not `ignoreIndex`, or null. */
  bad: number | null;
}

export function classTargetsKernel(
  target: Int32Array,
  classes: number,
  ignoreIndex: number,
): ClassTargetScan {
  const safe = new Int32Array(target.length);
  let keep: Float64Array | null = null;
  let count = 0;
  for (let i = 0; i < target.length; i++) {
    const c = target[i];
    if (c === ignoreIndex) {
      keep ??= new Float64Array(target.length).fill(1);
      keep[i] = 0;
      continue;
    }
    if (c < 0 || c >= classes) return { safe, keep, count, bad: c };
    safe[i] = c;
    count++;
  }
  return { safe, keep, count, bad: null };
}
