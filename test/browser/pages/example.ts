/**
 * Runs after examples/quickstart.ts, which example.html loads first (bundled as its own entry
 * point, so that a bundler that trusts the package's `sideEffects: false` keeps it): what the
 * example printed went to the console, which the test reads.
 */
import { report } from './report.js';

report(() => 'done');
