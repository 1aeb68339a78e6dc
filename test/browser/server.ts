/**
 * The test server: serves a folder on 127.0.0.1, every page cross-origin isolated (COOP/COEP),
 * and the same files under `/csp/` with a strict Content Security Policy as well: no inline
 * script and no `eval`, only WebAssembly compilation and workers from the page's origin or from
 * Blob URLs.
 */
import { serveStatic, type Route, type StaticServer } from '../../examples/web/server.js';

/** The policy of the `/csp/` pages. */
export const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:";

export function route(pathname: string): Route {
  if (pathname.startsWith('/csp/')) {
    return {
      path: pathname.slice('/csp'.length),
      headers: { 'Content-Security-Policy': STRICT_CSP },
    };
  }
  return { path: pathname };
}

/** Serves `root` as above. */
export function startTestServer(root: string): Promise<StaticServer> {
  return serveStatic({ root, route });
}
