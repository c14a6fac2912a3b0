// ESLint (flat config): the recommended JavaScript and TypeScript rules on the sources, tests,
// benchmarks and scripts; the dashboard's page is browser code. `npm run lint` (part of `npm test`).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'native/build/', 'out/', 'runs/', 'scratch/', 'data/', 'docs/', 'python/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // names starting with _ are deliberately unused (destructuring that drops a field)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // hand-made JSON cases in tests and a few typed boundaries use any on purpose
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['src/interfaces/dashboard/assets/**'], languageOptions: { globals: globals.browser } },
);
