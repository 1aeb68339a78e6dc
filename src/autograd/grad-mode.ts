/**
 * Grad mode: whether op calls record onto the tape. On by default; `noGrad` turns it off for
 * the duration of a function (optimizer updates, evaluation), `enableGrad` turns it back on.
 */
let enabled = true;

/**
 * Whether ops currently record onto the tape.
 * @example isGradEnabled() // true
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Sets grad mode and returns the previous value.
 * @example const prev = setGradEnabled(false);
 */
export function setGradEnabled(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = setGradEnabled(on);
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` with recording off, like `with torch.no_grad():`.
 *
 * @example
 * ```ts
 * noGrad(() => w.sub_(w.grad!.mul(0.1)));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs `fn` with recording on, even inside `noGrad`, like `with torch.enable_grad():`.
 *
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => x.mul(2))).requiresGrad; // true when x requires grad
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
