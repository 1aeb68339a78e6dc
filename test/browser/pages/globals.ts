/**
 * The few browser globals the test pages use. The project compiles without the DOM's types (the
 * pages share code with the Node side), so they are declared here, as src/platform does.
 */

/** The page's query string (`location.search`). */
export function query(): URLSearchParams {
  return new URLSearchParams(String(Reflect.get(Reflect.get(globalThis, 'location'), 'search')));
}

/** Whether the page (or the Worker's page) is cross-origin isolated. */
export function isolated(): boolean {
  return Reflect.get(globalThis, 'crossOriginIsolated') === true;
}

/** A dedicated Worker, as the page that starts it sees it. */
export interface WebWorker {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message: string }) => void) | null;
  postMessage(message: unknown): void;
}

export const Worker: new (url: URL, options: { type: 'module' }) => WebWorker = Reflect.get(
  globalThis,
  'Worker',
);

/** A dedicated Worker's own scope. */
export interface WorkerScope {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
}

export function workerScope(): WorkerScope {
  return Reflect.get(globalThis, 'self');
}
