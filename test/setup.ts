import fc from 'fast-check';

// Property tests are reproducible: a fixed seed unless FC_SEED overrides it (to explore locally).
const seed = process.env.FC_SEED === undefined ? 20261125 : Number(process.env.FC_SEED);
fc.configureGlobal({ seed, numRuns: 50 });
