/**
 * A static file server on 127.0.0.1 for the playground and the browser tests.
 *
 * Every response carries the two headers that make a page cross-origin isolated
 * (`Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Embedder-Policy: require-corp`):
 * only then may a page share its WebAssembly memory with Web Workers, which tapegrad's threads
 * need. Serve a tapegrad page of your own with the same two headers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** The headers that make a page cross-origin isolated (`crossOriginIsolated === true`). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Where a request goes: the path of a file under the root, and headers to add. */
export interface Route {
  path: string;
  headers?: Record<string, string>;
}

export interface StaticServerOptions {
  /** The folder served. */
  root: string;
  /** The port (default 0: any free one). */
  port?: number;
  /**
   * Maps a request's path (decoded, starting with `/`) to a file path and extra headers; by
   * default the path itself with no extra headers.
   */
  route?: (pathname: string) => Route;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts serving `root` on 127.0.0.1; resolves once it listens. */
export async function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  const route = options.route ?? ((path: string): Route => ({ path }));

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { path, headers = {} } = route(decodeURIComponent(url.pathname));
    let file = resolve(join(root, path));
    // Only files under the root, whatever `..` the request holds.
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
    const body = await readFile(file).catch(() => null);
    if (body === null || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(body === null ? 404 : 405, ISOLATION_HEADERS).end();
      return;
    }
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      ...headers,
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const server = createServer((req, res) => {
    respond(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
