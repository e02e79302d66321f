import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { startAsterisk } from '../../src/lab/asterisk.js';
import { defaultLabDir } from '../../src/lab/provision.js';
import { startRedisServer } from '../../src/lab/redis-server.js';
import { localActor } from '../../src/auth/token-store.js';
import { startSwitchboard } from '../../src/switchboard.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import type { CallControlSettings } from '../../src/media/call-control/call-control.js';
import type { SipEdgeSettings } from '../../src/sip-edge/settings.js';

/**
 * A whole switchboard for an end-to-end test: its own redis-server, its own Asterisk instance
 * from the lab chroot (own ports, own Stasis app) and the app on a free HTTP port, with an
 * operator token. Real components only; `stop()` removes all of it.
 */
export async function startLabSwitchboard({
  ringSeconds = 10,
  now = clockFrom(OPEN_INSTANT),
  adjustRegion = (region) => region,
  callControl,
  sipEdge,
  spokenTextBaseUrl,
}: {
  ringSeconds?: number;
  /** The switchboard's clock for opening hours: by default one that runs from a weekday morning, so tests meet an open switchboard at any hour. */
  now?: () => number;
  /** Changes to config/region.yaml for this test (queue policies, menu). */
  adjustRegion?: (region: RegionConfig) => RegionConfig;
  /** Call control settings (recall time, the carrier's far end for dialling out: a SIPp UAS). */
  callControl?: Partial<CallControlSettings>;
  /** The SIP edge through a real drachtio-server; its media nodes are this lab's Asterisk and `otherMediaNodes`. */
  sipEdge?: Omit<SipEdgeSettings, 'mediaNodes'> & { otherMediaNodes?: string[] };
  /** Where Asterisk fetches spoken texts from (SPOKEN_TEXT_BASE_URL); by default the app's own HTTP server. */
  spokenTextBaseUrl?: string;
} = {}) {
  const labDir = defaultLabDir(); // provisioned by test/global-setup.ts
  const appName = `rv-e2e-${randomUUID().slice(0, 8)}`;
  const [redis, firstAsterisk, region, spokenTextCache] = await Promise.all([
    startRedisServer({}),
    startAsterisk({ labDir, appName }),
    // No wrap-up (test/redis/operator-store.test.ts covers it): an operator is free when a call ends, unless adjustRegion says otherwise.
    loadRegionConfig(resolve('config/region.yaml')).then((loaded) => adjustRegion({ ...loaded, region: { ...loaded.region, wrapUpSeconds: 0 } })),
    mkdtemp(join(tmpdir(), 'rv-e2e-spoken-')),
  ]);
  let asterisk = firstAsterisk; // replaced by restartAsterisk()
  const startApp = () =>
    startSwitchboard({
      region,
      redisUrl: redis.url,
      redisPrefix: 'rv',
      ari: { url: asterisk.ariUrl, username: asterisk.ariUser, password: asterisk.ariPassword, app: appName },
      operatorLeg: { endpoint: 'operator-phones', ringSeconds },
      callControl,
      sipEdge: sipEdge && { ...sipEdge, mediaNodes: [`${asterisk.sipHost}:${asterisk.sipPort}`, ...(sipEdge.otherMediaNodes ?? [])] },
      http: { host: '127.0.0.1', port: 0 },
      auditRetentionDays: 30,
      now,
      spokenText: { baseUrl: spokenTextBaseUrl, cacheDir: spokenTextCache },
    });
  let switchboard = await startApp();
  const { token, record: operator } = await switchboard.tokens.create({ name: 'e2e operator', role: 'operator' }, localActor('e2e test'));

  /** Calls the switchboard's HTTP API as the operator; returns status and parsed JSON. */
  async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${switchboard.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Asks Asterisk itself (ARI REST) — to check media, not our own view of it. */
  async function ari<T = unknown>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${asterisk.ariUrl}${path}`, {
      headers: { authorization: `Basic ${Buffer.from(`${asterisk.ariUser}:${asterisk.ariPassword}`).toString('base64')}` },
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  return {
    get switchboard() {
      return switchboard;
    },
    get asterisk() {
      return asterisk;
    },
    redis,
    region,
    operatorId: operator.id,
    api,
    ari,
    /** Stops the app only (Redis and Asterisk go on, calls stay in Stasis), as a crash or deploy would. */
    async stopApp() {
      await switchboard.stop();
    },
    async startApp() {
      switchboard = await startApp();
    },
    /** Stops Asterisk (every call in it ends) and starts it again on the same ports, as a crash and restart would. */
    async restartAsterisk(downMs: number) {
      const { sipPort, ariUrl, ariPassword } = asterisk;
      await asterisk.stop();
      await new Promise((r) => setTimeout(r, downMs));
      asterisk = await startAsterisk({ labDir, appName, sipPort, ariPort: Number(new URL(ariUrl).port), ariPassword });
    },
    async stop() {
      await switchboard.stop().catch(() => undefined);
      await Promise.all([asterisk.stop(), redis.stop(), rm(spokenTextCache, { recursive: true, force: true })]);
    },
  };
}

/** Wednesday 25 November 2026, 10:00 in Stockholm: every member is open. */
export const OPEN_INSTANT = '2026-11-25T10:00:00+01:00';

/** A clock that starts at `instant` and runs on in real time from now. */
export function clockFrom(instant: string): () => number {
  const offset = Date.parse(instant) - Date.now();
  return () => Date.now() + offset;
}

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(probe: () => Promise<T | undefined>, { timeoutMs = 10_000, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
