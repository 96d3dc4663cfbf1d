// Lint rules encode the invariants of STYLE.md: no shell-string process spawning, no process.env outside the
// composition roots and config loaders, no raw NATS outside libs/bus (and tests that need the raw client), no
// `export *`.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const rawNats = {
  group: [
    '@nats-io/transport-node',
    '@nats-io/nats-core',
    '@nats-io/jetstream',
    '@nats-io/kv',
    '@nats-io/services',
  ],
  message: 'Use @ironcurtain/bus (serve/request/publish/subscribe); raw NATS belongs in libs/bus.',
};
const shellExec = {
  name: 'node:child_process',
  importNames: ['exec', 'execSync'],
  message: 'Spawn with an argument array (spawn/execFile), never a shell string.',
};
const shellExecBare = { ...shellExec, name: 'child_process' };

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tools/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Export names explicitly.' },
      ],
      'no-restricted-imports': ['error', { paths: [shellExec, shellExecBare], patterns: [rawNats] }],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read the environment in src/index.ts or src/config.ts only.',
        },
      ],
    },
  },
  {
    files: [
      'libs/bus/**/*.ts',
      'libs/testing/**/*.ts',
      '**/test/**/*.ts',
      'test/**/*.ts',
      '**/bench/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { paths: [shellExec, shellExecBare] }] },
  },
  {
    files: [
      'services/*/src/index.ts',
      'services/*/src/config.ts',
      'mcp-servers/*/src/main.ts',
      'mcp-servers/*/src/config.ts',
      'services/cli/src/**/*.ts',
      '**/test/**/*.ts',
      'test/**/*.ts',
      '**/bench/**/*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
