// ESLint flat config: typescript-eslint's recommended rules without type information (type-aware
// linting costs minutes on a 2-core machine), Prettier owning layout (eslint-config-prettier turns
// the formatting rules off). Module boundaries stay with tools/scripts/check-boundaries.mjs.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/out-tsc/**',
      '**/node_modules/**',
      'tmp/**',
      '**/*.d.ts',
      // generated from the .proto files by buf
      '**/gen/**',
      'deploy/helm/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
    rules: {
      // `_`-prefixed parameters and destructured leftovers are deliberate
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      // the type system already checks this for TypeScript files
      'no-undef': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**'],
    rules: {
      // test doubles implement driver interfaces partially
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
