import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localActor } from '../src/auth/token-store.js';
import { loadRegionConfig } from '../src/config/load-region.js';
import { LAB_PHONE_NETWORK } from '../src/lab/lab.js';
import { type AriSettings } from '../src/media/ari-connection.js';
import { startSwitchboard } from '../src/switchboard.js';
import { OPEN_INSTANT, clockFrom } from '../test/support/lab-switchboard.js';

/**
 * The switchboard in a process of its own, so that a benchmark measures the app's memory alone
 * (bench/soak.ts): forked with IPC, given Redis, ARI and how many operator tokens to make as
 * JSON in BENCH_SWITCHBOARD; it sends `ready` with its URL and the tokens, answers `memory` with
 * process.memoryUsage() after a full garbage collection (Node's --expose-gc), and stops on `stop`.
 * The clock is the lab's (a weekday morning, every member open) and the region has no wrap-up.
 */
interface Settings {
  redisUrl: string;
  ari: AriSettings;
  operators: number;
}

async function main(settings: Settings): Promise<void> {
  const loaded = await loadRegionConfig(resolve('config/region.yaml'));
  const spokenTextCache = await mkdtemp(join(tmpdir(), 'rv-bench-spoken-'));
  const switchboard = await startSwitchboard({
    region: { ...loaded, region: { ...loaded.region, wrapUpSeconds: 0 } },
    redisUrl: settings.redisUrl,
    redisPrefix: 'rv',
    ari: settings.ari,
    operatorLeg: { endpoint: 'operator-phones', ringSeconds: 10, phoneNetworks: [LAB_PHONE_NETWORK] },
    http: { host: '127.0.0.1', port: 0 },
    auditRetentionDays: 30,
    now: clockFrom(OPEN_INSTANT),
    spokenText: { cacheDir: spokenTextCache },
  });
  const tokens: string[] = [];
  for (let i = 0; i < settings.operators; i++)
    tokens.push(
      (await switchboard.tokens.create({ name: `bench operator ${i}`, role: 'operator' }, localActor('benchmark')))
        .token,
    );
  process.on('message', (message: { type: string }) => {
    if (message.type === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ type: 'memory', memory: process.memoryUsage() });
    }
    if (message.type === 'stop') {
      void switchboard
        .stop()
        .then(() => rm(spokenTextCache, { recursive: true, force: true }))
        .finally(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', url: switchboard.url, tokens });
}

main(JSON.parse(process.env.BENCH_SWITCHBOARD ?? '{}') as Settings).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
