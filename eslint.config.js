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
    'Kernels import only src/storage, src/tensor/dtype.ts, src/errors.ts and other kernel files: they are loops over typed arrays, with no Tensor, tape or ops.',
  ),
  below(
    'src/storage',
    ['**/kernels/**'],
    'src/storage imports only src/errors.ts, src/tensor/dtype.ts and other storage files: it is the memory under the kernels.',
  ),
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
);
