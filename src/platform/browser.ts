/**
 * The platform layer in browsers (and other hosts with Web Workers but no Node `process`).
 *
 * Kernel workers are module Web Workers started from a Blob URL of their source text, which is a
 * string in the library itself: no separate worker file to locate, so any bundler (esbuild or
 * Vite with default options) carries them along with no plugin. A page's Content Security
 * Policy must then allow `worker-src blob:`.
 *
 * Threads run only where the memory can be shared with workers (`crossOriginIsolated`, i.e. the
 * page is served with COOP/COEP headers) and on a thread that may block in `Atomics.wait`, which
 * a page's main thread may not: there tapegrad computes on that one thread.
 */
import type { Platform } from './index.js';

// The lib this project compiles against has no DOM types: the little used is declared here.
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'error', listener: () => void): void;
}
type WebWorkerConstructor = new (
  url: string,
  options: { type: 'module'; name: string },
) => WebWorker;
interface UrlStatics {
  createObjectURL(blob: Blob): string;
}

/** One Blob URL per worker source, kept for the page's life (workers of every slot share it). */
const blobUrls = new Map<string, string>();

const global = (name: string): unknown => Reflect.get(globalThis, name);

/** Whether this code runs in a worker (dedicated, shared or service), not on a page's main thread. */
function inWorker(): boolean {
  const scope = global('WorkerGlobalScope');
  return typeof scope === 'function' && globalThis instanceof scope;
}

export function browserPlatform(): Platform {
  return {
    name: 'browser',
    cpuCount() {
      const navigator = global('navigator');
      const n =
        typeof navigator === 'object' && navigator !== null
          ? Reflect.get(navigator, 'hardwareConcurrency')
          : undefined;
      return typeof n === 'number' && n >= 1 ? n : 1;
    },
    env: () => undefined,
    warn: (message) => console.warn(`tapegrad: ${message}`),
    threadsUnavailable() {
      if (!inWorker()) {
        return "a browser's main thread may not wait for other threads (Atomics.wait): train in a Worker for threads";
      }
      if (global('crossOriginIsolated') !== true) {
        return 'the page is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so its memory cannot be shared with workers';
      }
      if (typeof global('Worker') !== 'function') return 'this worker cannot start workers';
      return null;
    },
    startWorker(body, data, onFail) {
      const Worker = global('Worker') as WebWorkerConstructor | undefined;
      const urls = global('URL') as UrlStatics | undefined;
      if (typeof Worker !== 'function' || urls === undefined || typeof Blob !== 'function') {
        return null;
      }
      let url = blobUrls.get(body);
      if (url === undefined) {
        // The worker takes its data from the first message, then runs its loop for good.
        const source = `self.onmessage = (e) => { self.onmessage = null; (${body})(e.data); };`;
        url = urls.createObjectURL(new Blob([source], { type: 'text/javascript' }));
        blobUrls.set(body, url);
      }
      const worker = new Worker(url, { type: 'module', name: `tapegrad kernel ${data.slot}` });
      // Also where the page's Content Security Policy refuses blob: workers (worker-src).
      worker.addEventListener('error', () => onFail(true));
      worker.postMessage(data);
      return { terminate: () => worker.terminate() };
    },
    enableRelaxedSimd: () => false,
  };
}
