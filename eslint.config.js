import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * A layer below the ops (`folder`): its files import nothing above it (no Tensor, tape, ops,
 * nn, optim, data or io; `src/tensor/dtype.ts` is allowed), nor what `more` names.
 */
function below(folder, more, message) {
  const above = ['**/tensor/**', '!**/tensor/dtype.js', '**/autograd/**', '**/ops/**', '**/nn/**'];
  const group = [...above, '**/optim/**', '**/data/**', '**/io/**', ...more];
  return {
    files: [`${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'docs/'] },
  // What the playground's and the browser tests' builds write.
  { ignores: ['examples/web/dist/', 'test/browser/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-new-func': 'error',
    },
  },
  // No code from strings in the library: a page whose Content Security Policy forbids
  // 'unsafe-eval' must run every op. no-implied-eval looks for the timers among the declared
  // globals, which TypeScript files do not otherwise declare.
  {
    files: ['src/**/*.ts'],
    languageOptions: { globals: { setTimeout: 'readonly', setInterval: 'readonly' } },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
    },
  },
  // One kernel line (STYLE.md, pattern 13): the loops live under src/kernels, which know nothing
  // above them, and only src/ops imports kernels, so what a file may touch follows from its folder.
  // Tests and benchmarks may import kernels directly: they test and time them.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/kernels/**', 'src/ops/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/kernels', '**/kernels/**'],
              message:
                'Only src/ops imports kernels: call an op (src/ops) instead, or re-export the ' +
                'kernel-level helper through src/ops as src/ops/scalar-math.ts does.',
            },
          ],
        },
      ],
    },
  },
  // Below the ops: the kernels, and under them the storage they work in.
  below(
    'src/kernels',
    [],
    'Kernels import only src/storage, src/platform, src/tensor/dtype.ts, src/errors.ts and other kernel files: they are loops over typed arrays, with no Tensor, tape or ops.',
  ),
  below(
    'src/storage',
    ['**/kernels/**'],
    'src/storage imports only src/errors.ts, src/tensor/dtype.ts, src/platform and other storage files: it is the memory under the kernels.',
  ),
  // The bottom: the platform layer (threads, CPU count, environment) knows nothing of tapegrad;
  // the storage and the kernels use it. It is also the only place that may name Node's globals
  // (`process`), and it reaches Node's modules through `process.getBuiltinModule`, never a
  // `node:` import, so that the package root bundles for browsers.
  below(
    'src/platform',
    ['**/kernels/**', '**/storage/**', '**/errors.js'],
    'src/platform imports nothing of tapegrad: it is the host under the storage and the kernels.',
  ),
  // The package root and everything it reaches import no `node:` module; Node-only conveniences
  // live behind the `tapegrad/node` entry (src/node.ts and the files it exports).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/node.ts', 'src/io/files.ts', 'src/data/mnist-files.ts'],
    rules: {
      // typescript-eslint's copy of the rule, so that it adds to the layering rules above
      // instead of replacing their options.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'module', 'url', 'worker_threads'],
              message:
                'The package root runs in browsers: Node-only code goes behind tapegrad/node (src/node.ts), and host services through src/platform.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
);
