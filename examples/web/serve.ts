/**
 * `npm run playground [-- --port 8080]`: builds the playground into examples/web/dist and serves
 * it on http://127.0.0.1 (cross-origin isolated, so the training Worker may use threads).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildPlayground } from './build.js';
import { serveStatic } from './server.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
const out = fileURLToPath(new URL('./dist/', import.meta.url));
await buildPlayground(out, { minify: true });
const server = await serveStatic({ root: out, port: Number(values.port) });
console.log(`tapegrad playground: ${server.url}/  (Ctrl+C stops it)`);
