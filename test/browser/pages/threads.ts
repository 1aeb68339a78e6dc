/**
 * setNumThreads on a page's main thread, which may not block in Atomics.wait and so cannot wait
 * for kernel workers: tapegrad should say so (a console warning) and keep computing on one thread.
 */
import { getNumThreads, setNumThreads } from '../../../src/index.js';
import { isolated } from './globals.js';
import { report } from './report.js';

report(() => {
  const before = getNumThreads();
  setNumThreads(2);
  return { isolated: isolated(), before, after: getNumThreads() };
});
