/**
 * How a test page hands its outcome to the test: `globalThis.__result`, set once, which the test
 * waits for and reads with `page.evaluate`.
 */
export type PageResult = { ok: true; value: unknown } | { ok: false; error: string };

function set(result: PageResult): void {
  Reflect.set(globalThis, '__result', result);
}

/** Runs `run` and publishes its value, or its error with the stack. */
export function report(run: () => unknown): void {
  Promise.resolve()
    .then(run)
    .then(
      (value) => set({ ok: true, value }),
      (e: unknown) =>
        set({
          ok: false,
          error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e),
        }),
    );
}
