import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test tiers by what a test starts (README, "Tests and benchmarks"). A file belongs to the
 * first tier whose patterns match it; every file no other tier claims needs a redis-server
 * or a host tool (promtool) at most, so a new test always runs in `npm test`.
 */
const tiers = {
  /** Pure logic: nothing started, no set-up (`npm run test:unit`). */
  unit: [
    'test/unit/**/*.test.ts',
    // Pure files beside the tests of their feature.
    'test/directory/search-index.test.ts',
    'test/hours/calendar-config.test.ts',
    'test/lab/apt-sources.test.ts',
    'test/lab/asterisk-config.test.ts',
    'test/sip-edge/health.test.ts',
    'test/statistics/compute.test.ts',
  ],
  /** Debian's Chromium driving the web console, mostly against the lab. */
  browser: ['test/browser/**/*.test.ts'],
  /** Asterisk from the lab's chroot and SIPp. */
  lab: ['test/e2e/**/*.test.ts', 'test/lab/**/*.test.ts', 'test/sip-edge/integration.test.ts'],
  /** A real redis-server (Sentinel for the failover tests), or a host tool (promtool: test/deploy/). */
  redis: ['test/**/*.test.ts'],
};

const names = Object.keys(tiers) as (keyof typeof tiers)[];

export default defineConfig({
  test: {
    // Lab tests start real Asterisk and redis-server instances; provisioning a fresh machine takes minutes.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: more parallel Asterisk instances than that only slows every test down. One value for
    // every tier, so that vitest runs the tiers side by side in one pool of two workers.
    maxWorkers: 2,
    // The app's structured logs are for operations; in test output only warnings and errors help.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    projects: names.map((name, i) => ({
      extends: true,
      test: {
        name,
        include: tiers[name],
        exclude: [...configDefaults.exclude, ...names.slice(0, i).flatMap((earlier) => tiers[earlier])],
        // What the tier needs (the lab, Chromium, the console's build), provisioned once before its first test.
        globalSetup: name === 'unit' ? [] : ['test/global-setup.ts'],
        // Pure tests share no state through modules: one module graph per worker, not per file, makes the tier
        // several times faster (loading zod, libphonenumber and the region schema is most of its time).
        isolate: name !== 'unit',
      },
    })),
  },
});
