/** `cases.html?case=quickstart|mlp[&impl=composite]`: runs one of ../cases.ts on the page's main thread. */
import { getNumThreads } from '../../../src/index.js';
import { mlpTraining, quickstart } from '../cases.js';
import { isolated, query } from './globals.js';
import { report } from './report.js';

const params = query();
report(() => {
  const name = params.get('case');
  const env = { isolated: isolated(), threads: getNumThreads() };
  if (name === 'quickstart') return { env, result: quickstart() };
  if (name === 'mlp') {
    const impl = params.get('impl') === 'composite' ? 'composite' : 'fused';
    return { env, result: mlpTraining({ impl }) };
  }
  throw new Error(`unknown case ${String(name)}`);
});
