// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'worker_threads', 'timers', 'process', 'dns', 'stream', 'zlib'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'scripts/*.js', 'eslint.config.mjs', 'jest.config.js', 'jest.cluster.config.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Nest resolves constructor parameters from emitted decorator metadata: a type-only import there
    // would erase the injection token, so consistent-type-imports stays off in the Nest layer.
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // The determinism boundary: workflow code is replayed, so it may not touch I/O, clocks or Nest.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'Workflow code is deterministic: no Node builtins.' })),
          { name: 'class-validator', message: 'Validation belongs to the API layer.' },
          { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow only.' },
          { name: '@temporalio/worker', message: 'Workflows use @temporalio/workflow only.' },
          { name: '@temporalio/activity', message: 'Workflows use @temporalio/workflow only.' },
        ],
        patterns: [
          { group: ['@nestjs/*'], message: 'Workflow code never imports Nest.' },
          { group: ['**/src', '**/src/**'], message: 'workflows/ never imports src/.' },
          { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Import activities with `import type` only.' },
        ],
      }],
    },
  },
);
