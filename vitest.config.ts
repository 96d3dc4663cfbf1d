import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'proto-schemas/test/**/*.test.ts',
      'libs/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'mcp-servers/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/agent-images.global-setup.ts'],
  },
});
