import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { localActor } from '../src/auth/token-store.js';
import { loadRegionConfig } from '../src/config/load-region.js';
import { AppError } from '../src/errors.js';
import { createHttpApp } from '../src/http/app.js';
import { startRedisServer } from '../src/lab/redis-server.js';
import type { AriConnection } from '../src/media/ari-connection.js';
import { createServices } from '../src/services.js';
import { keys } from '../src/store/keys.js';
import { connectRedis, type RedisClient } from '../src/store/redis-client.js';
import { DEFAULT_DTLS_CERT_FILE } from '../src/media/softphone/softphone-credentials.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 32;
const TARGET_OVERHEAD = 0.05;

/**
 * `npm run bench -- metrics`: what instrumentation costs (metrics/): the HTTP API's request
 * throughput, 32 requests in flight over real HTTP to a real redis-server, with the metrics
 * hooks on (every request timed and counted by route template, Node's process metrics) and
 * off, in alternating rounds of the same run; the target is under 5 % fewer requests per
 * second. Then the cost of one scrape of /metrics after 1 000 ended calls.
 */
export async function run(): Promise<void> {
  const server = await startRedisServer();
  const redis = await connectRedis(server.url, { name: 'bench-metrics' });
  const spoken = await mkdtemp(join(tmpdir(), 'rv-bench-spoken-'));
  try {
    const k = keys(`bench-${randomUUID()}`);
    const on = await startApi(redis, k.prefix, spoken, true);
    const off = await startApi(redis, k.prefix, spoken, false);
    console.log(
      `\nmetrics: ${REQUESTS} requests × ${ROUNDS} rounds each, ${IN_FLIGHT} in flight, GET /api/v1/queues/2460 (machine: ${availableParallelism()} cores)`,
    );
    const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
    await requests(on, REQUESTS / 4); // warm-up of both: JIT, connections
    await requests(off, REQUESTS / 4);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, api] of (round % 2 === 0
        ? [
            ['off', off],
            ['on', on],
          ]
        : [
            ['on', on],
            ['off', off],
          ]) as ['on' | 'off', Api][])
        rates[mode].push(await requests(api, REQUESTS));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const [withMetrics, without] = [median(rates.on), median(rates.off)];
    const overhead = 1 - withMetrics / without;
    console.log(
      `${'hooks off (baseline)'.padEnd(28)} ${without.toFixed(0).padStart(8)} requests/s  (rounds: ${rates.off.map((r) => r.toFixed(0)).join(', ')})`,
    );
    console.log(
      `${'hooks on'.padEnd(28)} ${withMetrics.toFixed(0).padStart(8)} requests/s  (rounds: ${rates.on.map((r) => r.toFixed(0)).join(', ')})`,
    );
    console.log(
      `overhead: ${(overhead * 100).toFixed(1)} % (target < ${TARGET_OVERHEAD * 100} %): ${overhead < TARGET_OVERHEAD ? 'met' : 'NOT met'}`,
    );

    // A scrape reads the region's counts (one hash), queues, operators and opening state.
    for (let i = 0; i < 1_000; i++)
      await on.services.queue.recordEnded(
        {
          callId: `bench-${i}`,
          channelId: `bench-${i}`,
          municipalityId: on.services.region.municipalities[i % 7]!.id,
          calledNumber: '+4693514100',
          caller: '+46701234567',
          reason: 'main-number',
        },
        i % 3 === 0 ? 'closed' : 'rejected-capacity',
      );
    const scrapes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      const response = await fetch(`${on.url}/metrics`, { headers: { authorization: `Bearer ${on.token}` } });
      await response.text();
      scrapes.push(performance.now() - started);
    }
    console.log(`one scrape of /metrics (1 000 ended calls, 7 municipalities): p50 ${median(scrapes).toFixed(1)} ms`);
    await Promise.all([on.stop(), off.stop()]);
  } finally {
    await redis.close();
    await server.stop();
    await rm(spoken, { recursive: true, force: true });
  }
}

type Api = Awaited<ReturnType<typeof startApi>>;

const noAsterisk: AriConnection = {
  client() {
    throw new AppError(503, 'ari_unavailable', 'no Asterisk in this benchmark');
  },
  isConnected: () => false,
  close: () => undefined,
};

/** The HTTP API as the switchboard wires it (services.ts), metrics hooks on or off, on a port of its own. */
async function startApi(redis: RedisClient, prefix: string, cacheDir: string, instrument: boolean) {
  const region = await loadRegionConfig(resolve('config/region.yaml'));
  const services = createServices(redis, keys(prefix), {
    region,
    auditRetentionDays: 30,
    leg: { app: 'bench', endpoint: 'operator-phones', ringSeconds: 20, mediaNode: 'bench', phoneNetworks: [] },
    ari: noAsterisk,
    spokenText: { cacheDir, baseUrl: () => 'http://127.0.0.1:8080' },
    metrics: { instrument, processMetrics: instrument },
    softphone: { wsUrl: 'ws://127.0.0.1:8088/ws', dtlsCertFile: DEFAULT_DTLS_CERT_FILE },
  });
  await services.directory.syncRegion(region);
  const app = createHttpApp({ ...services, ari: noAsterisk });
  const httpServer = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((done) => httpServer.once('listening', done));
  const { token } = await services.tokens.create({ name: 'bench', role: 'region-admin' }, localActor('bench'));
  return {
    services,
    token,
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((done) => httpServer.close(() => done())),
  };
}

/** `count` requests, IN_FLIGHT at a time; requests per second. */
async function requests(api: Api, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < count) {
        const response = await fetch(`${api.url}/api/v1/queues/2460`, {
          headers: { authorization: `Bearer ${api.token}` },
        });
        if (response.status !== 200) throw new Error(`GET /api/v1/queues/2460: ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}
