import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { type AsteriskInstance, startAsterisk } from '../../src/lab/asterisk.js';
import { superviseAsterisk } from '../../src/lab/asterisk-supervisor.js';
import { startRedisHa } from '../../src/lab/redis-ha.js';
import { LAB_PHONE_NETWORK } from '../../src/lab/lab.js';
import { defaultLabDir } from '../../src/lab/provision.js';
import { startRedisServer } from '../../src/lab/redis-server.js';
import { localActor } from '../../src/auth/token-store.js';
import { type Switchboard, type SwitchboardSettings, startSwitchboard } from '../../src/switchboard.js';
import type { CapacityLimits } from '../../src/media/arrival/capacity.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import type { CallControlSettings } from '../../src/media/call-control/call-control.js';
import type { SipEdgeSettings } from '../../src/sip-edge/settings.js';
import { apiClient } from './api-client.js';
import { scanKeys } from '../../src/store/redis-client.js';

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
  capacity,
  setUpTimeoutMs,
  mediaNodeDeadSeconds,
  supervised = false,
  redisHa = false,
  redisAof = false,
  smtp,
  sms,
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
  /** Calls the media node takes on at once (media/arrival/capacity.ts); the defaults when not given. */
  capacity?: Partial<CapacityLimits>;
  /** How long a caller's set-up may take (media/arrival/call-set-up.ts); the default when not given. */
  setUpTimeoutMs?: number;
  /** MEDIA_NODE_DEAD_SECONDS (media/nodes/); the default when not given. */
  mediaNodeDeadSeconds?: number;
  /** Asterisk started again when it dies, as the lab does (lab/asterisk-supervisor.ts). */
  supervised?: boolean;
  /** Redis through Sentinel: a primary, a replica and three sentinels (lab/redis-ha.ts); `redis` is then the first primary. */
  redisHa?: boolean;
  /** Redis with its append-only file, so a test may kill it and find its data after a restart. */
  redisAof?: boolean;
  /** Messages sent by e-mail through this SMTP server (SMTP_*); none when not given. */
  smtp?: SwitchboardSettings['smtp'];
  /** Messages also sent by SMS through this HTTP gateway (SMS_*); none when not given. */
  sms?: SwitchboardSettings['sms'];
} = {}) {
  const labDir = defaultLabDir(); // provisioned by test/global-setup.ts
  const appName = `rv-e2e-${randomUUID().slice(0, 8)}`;
  const [ha, first, region, spokenTextCache] = await Promise.all([
    redisHa ? startRedisHa({ downAfterMs: 1_000 }) : startRedisServer({ appendonly: redisAof }),
    supervised ? superviseAsterisk({ labDir, appName }) : startAsterisk({ labDir, appName }),
    // No wrap-up (test/redis/operator-store.test.ts covers it): an operator is free when a call ends, unless adjustRegion says otherwise.
    loadRegionConfig(resolve('config/region.yaml')).then((loaded) =>
      adjustRegion({ ...loaded, region: { ...loaded.region, wrapUpSeconds: 0 } }),
    ),
    mkdtemp(join(tmpdir(), 'rv-e2e-spoken-')),
  ]);
  const redis = 'servers' in ha ? ha.servers[0] : ha;
  const supervisor = 'current' in first ? first : undefined;
  let unsupervised = 'current' in first ? first.current() : first; // replaced by restartAsterisk()
  const current = () => supervisor?.current() ?? unsupervised;
  const startApp = (overrides: Partial<Pick<SwitchboardSettings, 'capacity' | 'setUpTimeoutMs'>> = {}) =>
    startSwitchboard({
      region,
      ...('servers' in ha ? { redisSentinel: ha.target } : { redisUrl: redis.url }),
      redisPrefix: 'rv',
      ari: { url: current().ariUrl, username: current().ariUser, password: current().ariPassword, app: appName },
      mediaNodeDeadSeconds,
      operatorLeg: { endpoint: 'operator-phones', ringSeconds, phoneNetworks: [LAB_PHONE_NETWORK] },
      callControl,
      sipEdge: sipEdge && {
        ...sipEdge,
        mediaNodes: [`${current().sipHost}:${current().sipPort}`, ...(sipEdge.otherMediaNodes ?? [])],
      },
      http: { host: '127.0.0.1', port: 0 },
      auditRetentionDays: 30,
      now,
      spokenText: { baseUrl: spokenTextBaseUrl, cacheDir: spokenTextCache },
      capacity,
      setUpTimeoutMs,
      smtp,
      sms,
      ...overrides,
    });
  let switchboard = await startApp();
  const { token, record: operator } = await switchboard.tokens.create(
    { name: 'e2e operator', role: 'operator' },
    localActor('e2e test'),
  );

  /** Calls the switchboard's HTTP API as the operator; returns status and parsed JSON. */
  const api = apiClient(() => switchboard.url, token);
  /** Asks Asterisk itself (ARI REST) — to check media, not our own view of it. */
  const ari = ariOf(current);
  const others: { stop(): Promise<void> }[] = [];

  return {
    get switchboard() {
      return switchboard;
    },
    get asterisk() {
      return current();
    },
    redis,
    /** With `redisHa`: the primary, the replica and the sentinels. */
    redisHa: 'servers' in ha ? ha : undefined,
    region,
    operatorId: operator.id,
    /** The operator's API token (for the events WebSocket). */
    operatorToken: token,
    api,
    ari,
    /** Stops the app only (Redis and Asterisk go on, calls stay in Stasis), as a crash or deploy would. */
    async stopApp() {
      await switchboard.stop();
    },
    /** Starts the app again; `overrides` (capacity, set-up timeout) for this start only. */
    async startApp(overrides: Partial<Pick<SwitchboardSettings, 'capacity' | 'setUpTimeoutMs'>> = {}) {
      switchboard = await startApp(overrides);
    },
    /** Stops Asterisk (every call in it ends) and starts it again on the same ports, as a crash and restart would. */
    async restartAsterisk(downMs: number) {
      const { sipPort, ariUrl, ariPassword } = unsupervised;
      await unsupervised.stop();
      await new Promise((r) => setTimeout(r, downMs));
      unsupervised = await startAsterisk({
        labDir,
        appName,
        sipPort,
        ariPort: Number(new URL(ariUrl).port),
        ariPassword,
      });
    },
    /**
     * Another media node on the same Redis: its own Asterisk and its own app instance (MEDIA_NODE_ID
     * `node`), asked through its own HTTP API with the same operator token. Stopped with the lab.
     */
    async addNode(node: string) {
      // The same ARI password: ari-client keeps one set of credentials per process (swagger-client's global
      // authorizations), and both instances run in this one. Deployed, each instance is a process of its own.
      const nodeAsterisk = await startAsterisk({ labDir, appName, ariPassword: current().ariPassword });
      const app = await startSwitchboard({
        region,
        ...('servers' in ha ? { redisSentinel: ha.target } : { redisUrl: redis.url }),
        redisPrefix: 'rv',
        ari: {
          url: nodeAsterisk.ariUrl,
          username: nodeAsterisk.ariUser,
          password: nodeAsterisk.ariPassword,
          app: appName,
          mediaNode: node,
        },
        mediaNodeDeadSeconds,
        operatorLeg: { endpoint: 'operator-phones', ringSeconds, phoneNetworks: [LAB_PHONE_NETWORK] },
        callControl,
        http: { host: '127.0.0.1', port: 0 },
        auditRetentionDays: 30,
        now,
        spokenText: { cacheDir: spokenTextCache },
      });
      const added = {
        asterisk: nodeAsterisk,
        switchboard: app,
        api: apiClient(app.url, token),
        ari: ariOf(() => nodeAsterisk),
        async stop() {
          await app.stop().catch(() => undefined);
          await nodeAsterisk.stop();
        },
      };
      others.push(added);
      return added;
    },
    async stop() {
      await Promise.all(others.map((other) => other.stop()));
      await switchboard.stop().catch(() => undefined);
      await Promise.all([
        (supervisor ?? unsupervised).stop(),
        ha.stop(),
        rm(spokenTextCache, { recursive: true, force: true }),
      ]);
    },
  };
}

/** A playback as ARI shows it (`GET /ari/playbacks/{id}`): what the tests check a caller hears. */
export interface AriPlayback {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  target_uri: string;
  language: string;
  state: string;
}

/** Asks an Asterisk itself (ARI REST). */
function ariOf(asterisk: () => AsteriskInstance) {
  return async function ari<T = unknown>(path: string): Promise<{ status: number; body: T }> {
    const { ariUrl, ariUser, ariPassword } = asterisk();
    const response = await fetch(`${ariUrl}${path}`, {
      headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
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
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 10_000, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every text a switchboard has given out to be spoken (media/spoken-text/ keeps each in Redis): what callers heard spoken. */
export async function spokenTexts({ redis, keys }: Pick<Switchboard, 'redis' | 'keys'>): Promise<string[]> {
  const texts: string[] = [];
  for await (const batch of scanKeys(redis, { MATCH: keys.spokenText('*'), COUNT: 1000 }))
    for (const stored of batch.length > 0 ? await redis.mGet(batch) : [])
      if (stored) texts.push((JSON.parse(stored) as { text: string }).text);
  return texts;
}
