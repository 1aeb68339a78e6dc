/**
 * The MT19937 generator (src/kernels/mt19937.ts), for the code above the ops that draws from it:
 * the global generator and `random` (src/tensor/random.ts), shuffling and splits (src/data), the
 * random directions of `gradcheck` and `compareVjp`. It is a numeric engine that fills storage,
 * so it lives with the kernels, and this file is the way up to it, as only src/ops imports
 * kernels.
 */
export { MT19937, type MT19937State } from '../kernels/mt19937.js';
