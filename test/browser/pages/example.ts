/** examples/quickstart.ts itself, as a page: what it prints goes to the console, which the test reads. */
import '../../../examples/quickstart.js';
import { report } from './report.js';

report(() => 'done');
