import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createAdminStores } from './admin/index.js';
import { createAuditLog } from './audit/audit-log.js';
import { createTokenStore } from './auth/token-store.js';
import type { RegionConfig } from './config/region-schema.js';
import { createDirectoryStore } from './directory/directory-store.js';
import { createDirectorySearch } from './directory/entries/directory-search.js';
import { createDirectoryEntryStore } from './directory/entries/entry-store.js';
import { attachEventSocket } from './events/event-socket.js';
import { AppError } from './errors.js';
import { createHttpApp } from './http/app.js';
import { log } from './log.js';
import { type AriConnection, type AriSettings, connectAri } from './media/ari-connection.js';
import { createArrivalPath } from './media/arrival/index.js';
import { createCallFlow } from './media/call-flow.js';
import { type CallControlSettings, DEFAULT_CALL_CONTROL } from './media/call-control/call-control.js';
import { createCallControlService } from './media/call-control/index.js';
import type { OperatorLegSettings } from './media/operator-leg.js';
import { createOperatorStore } from './operators/operator-store.js';
import { createCallQueue } from './queue/call-queue.js';
import { priorityClassifier } from './queue/priority.js';
import { directNumberOwner } from './routing/direct-number-owner.js';
import { createCallStatistics } from './statistics/call-statistics.js';
import { keys } from './store/keys.js';
import { connectRedis } from './store/redis-client.js';

export interface SwitchboardSettings {
  region: RegionConfig;
  redisUrl: string;
  redisPrefix: string;
  ari: AriSettings;
  operatorLeg: Omit<OperatorLegSettings, 'app'>;
  http: { host: string; port: number };
  auditRetentionDays: number;
  /** Realm of the extensions' SIP digests (default admin/extensions.ts DEFAULT_SIP_REALM). */
  sipRealm?: string;
  /** The clock for time of day (opening hours, absences); Date.now when not given. Tests run "on 2026-12-25 10:00". */
  now?: () => number;
  /** Transfers, recall time, the trunk for dialling out (media/call-control/); defaults DEFAULT_CALL_CONTROL. */
  callControl?: Partial<CallControlSettings>;
}

/** How often booked call-backs whose window has begun are moved into their queue. */
const CALLBACK_RELEASE_MS = 1_000;

/**
 * One switchboard process: the region's directory written to Redis, the call flow on
 * Asterisk's events and the HTTP API. Several may run against one Redis; each needs its own
 * ARI app name on its Asterisk.
 */
export async function startSwitchboard(settings: SwitchboardSettings) {
  const redis = await connectRedis(settings.redisUrl, { name: 'switchboard' });
  const k = keys(settings.redisPrefix);
  const directory = createDirectoryStore(redis, k);
  await directory.syncRegion(settings.region);
  const queue = createCallQueue(redis, k, { classify: priorityClassifier(settings.region), wrapUpSeconds: settings.region.region.wrapUpSeconds });
  const operators = createOperatorStore(redis, k);
  const audit = createAuditLog(redis, k, { retentionDays: settings.auditRetentionDays });
  const tokens = createTokenStore(redis, k, audit);
  const admin = createAdminStores(redis, k, audit, settings.region, { sipRealm: settings.sipRealm });
  const entries = createDirectoryEntryStore(redis, k, audit);
  const search = createDirectorySearch(redis, k);
  await search.start();

  const extensionEndpoint = settings.callControl?.extensionEndpoint ?? DEFAULT_CALL_CONTROL.extensionEndpoint;
  const arrival = createArrivalPath({ redis, k, region: settings.region, queue, directory, admin, app: settings.ari.app, extensionEndpoint, now: settings.now ?? Date.now });
  // Call control acts on ARI only when asked (HTTP, events), after the connection below exists.
  const connected: { ari?: AriConnection } = {};
  const leg = { ...settings.operatorLeg, app: settings.ari.app };
  const callControl = createCallControlService({
    redis, k, queue, operators, directory, entries, leg,
    ari: { client: () => (connected.ari ?? unreachable()).client() },
    settings: { ...DEFAULT_CALL_CONTROL, ...settings.callControl },
  });
  const flow = createCallFlow({ queue, arrival: arrival.arrival, app: settings.ari.app, control: callControl.actions });
  const ari = await connectAri(settings.ari, { attach: flow.attach, onConnected: flow.reconcile });
  connected.ari = ari;
  const callbackRelease = setInterval(
    () => void callControl.callbacks.releaseDue().catch((error: unknown) => log.warn({ err: error }, 'moving due call-backs into their queues failed')),
    CALLBACK_RELEASE_MS,
  );
  arrival.startOverflowWatch(() => (ari.isConnected() ? ari.client() : undefined));

  const statistics = createCallStatistics(redis, k, settings.region);
  const app = createHttpApp({ redis, ari, queue, operators, directory, tokens, audit, admin, entries, search, statistics, region: settings.region, directNumberOwner: directNumberOwner(redis, k, admin), callControl, leg });
  const server = serve({ fetch: app.fetch, hostname: settings.http.host, port: settings.http.port });
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const events = attachEventSocket(server as Server, { tokens, k, redis, connectReader: () => connectRedis(settings.redisUrl, { name: 'events' }) });
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.http.host}:${port}`;
  log.info({ url, municipalities: settings.region.municipalities.length }, 'switchboard ready');

  return {
    url,
    redis,
    keys: k,
    queue,
    operators,
    tokens,
    audit,
    directory,
    admin,
    entries,
    search,
    callControl,
    async stop(): Promise<void> {
      clearInterval(callbackRelease);
      await events.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      arrival.stop();
      ari.close();
      await search.stop();
      await redis.close();
    },
  };
}

export type Switchboard = Awaited<ReturnType<typeof startSwitchboard>>;

function unreachable(): never {
  throw new AppError(503, 'ari_unavailable', 'The media server (Asterisk) cannot be reached right now');
}
