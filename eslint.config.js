// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import omnishop from './eslint/boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The console's own ES modules run in the browser, unbuilt.
    files: ['packages/console/public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Services meet through their contracts; packages declare what they import, without cycles (eslint/boundaries.js).
    plugins: { omnishop },
    rules: { 'omnishop/boundaries': 'error' },
  },
);
