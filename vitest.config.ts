import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Lab tests start real Asterisk and redis-server instances; provisioning a fresh machine takes minutes.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: more parallel Asterisk instances than that only slows every test down.
    maxWorkers: 2,
    // The app's structured logs are for operations; in test output only warnings and errors help.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  },
});
