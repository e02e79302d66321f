import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Lab tests start real Asterisk and redis-server instances; provisioning a fresh machine takes minutes.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: more parallel Asterisk instances than that only slows every test down.
    maxWorkers: 2,
  },
});
