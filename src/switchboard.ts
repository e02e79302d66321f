import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { RegionConfig } from './config/region-schema.js';
import { attachEventSocket } from './events/event-socket.js';
import { AppError } from './errors.js';
import { createHttpApp } from './http/app.js';
import { log } from './log.js';
import { type AriConnection, type AriSettings, connectAri, mediaNodeOf } from './media/ari-connection.js';
import { createCallRetention, DEFAULT_CALL_RECORD_RETENTION_DAYS, runCallRetention } from './calls/call-retention.js';
import { startAuditRetention } from './audit/audit-retention.js';
import { createArrivalPath } from './media/arrival/index.js';
import { createCallFlow } from './media/call-flow.js';
import { type CallControlSettings, DEFAULT_CALL_CONTROL } from './media/call-control/call-control.js';
import type { OperatorLegSettings } from './media/operator-leg.js';
import { DEFAULT_SPOKEN_TEXT_CACHE_DIR, localBaseUrl } from './media/spoken-text/spoken-texts.js';
import { keys } from './store/keys.js';
import { connectRedis } from './store/redis-client.js';
import { createServices } from './services.js';
import { createContactStore } from './extensions/contact-store.js';
import { sipEdgeServices, startSipEdge } from './sip-edge/edge.js';
import type { SipEdgeSettings } from './sip-edge/settings.js';

export interface SwitchboardSettings {
  region: RegionConfig;
  redisUrl: string;
  redisPrefix: string;
  ari: AriSettings;
  operatorLeg: Omit<OperatorLegSettings, 'app' | 'mediaNode'>;
  http: { host: string; port: number };
  auditRetentionDays: number;
  /** Ended call records older than this are removed (calls/call-retention.ts); DEFAULT_CALL_RECORD_RETENTION_DAYS when not given. */
  callRecordRetentionDays?: number;
  /** Realm of the extensions' SIP digests (default admin/extensions.ts DEFAULT_SIP_REALM). */
  sipRealm?: string;
  /** The clock for time of day (opening hours, absences); Date.now when not given. Tests run "on 2026-12-25 10:00". */
  now?: () => number;
  /** Transfers, recall time, the trunk for dialling out (media/call-control/); defaults DEFAULT_CALL_CONTROL. */
  callControl?: Partial<CallControlSettings>;
  /** The SIP edge (drachtio), when DRACHTIO_* are set. */
  sipEdge?: SipEdgeSettings | undefined;
  /**
   * Stored texts spoken (media/spoken-text/): where the WAVs are kept (default
   * DEFAULT_SPOKEN_TEXT_CACHE_DIR) and the app's URL as Asterisk reaches it (default where the API listens).
   */
  spokenText?: { baseUrl?: string | undefined; cacheDir?: string | undefined };
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
  // Call control acts on ARI only when asked (HTTP, events), after the connection below exists.
  const connected: { ari?: AriConnection } = {};
  // Known once the HTTP server listens (the port may be 0: any free one). A call arriving before
  // that (ARI connects first) hears the generic prompts instead of a stored text.
  const listening: { at?: string } = {};
  const mediaNode = mediaNodeOf(settings.ari);
  const services = createServices(redis, k, {
    region: settings.region,
    auditRetentionDays: settings.auditRetentionDays,
    sipRealm: settings.sipRealm,
    leg: { ...settings.operatorLeg, app: settings.ari.app, mediaNode },
    callControl: settings.callControl,
    ari: { client: () => (connected.ari ?? unreachable()).client() },
    spokenText: {
      cacheDir: settings.spokenText?.cacheDir ?? DEFAULT_SPOKEN_TEXT_CACHE_DIR,
      baseUrl: () => {
        const url = settings.spokenText?.baseUrl ?? listening.at;
        if (url === undefined) throw new Error('the HTTP server does not listen yet');
        return url;
      },
    },
  });
  const { directory, queue, admin, search, callControl, tokens, spokenTexts } = services;
  await directory.syncRegion(settings.region);
  await search.start();

  const extensionEndpoint = settings.callControl?.extensionEndpoint ?? DEFAULT_CALL_CONTROL.extensionEndpoint;
  const arrival = createArrivalPath({ redis, k, region: settings.region, queue, directory, admin, spokenTexts, app: settings.ari.app, mediaNode, extensionEndpoint, now: settings.now ?? Date.now });
  const flow = createCallFlow({ queue, arrival: arrival.arrival, app: settings.ari.app, mediaNode, control: callControl.actions });
  const ari = await connectAri(settings.ari, { attach: flow.attach, onConnected: flow.reconcile });
  connected.ari = ari;
  const callbackRelease = setInterval(
    () => void callControl.callbacks.releaseDue().catch((error: unknown) => log.warn({ err: error }, 'moving due call-backs into their queues failed')),
    CALLBACK_RELEASE_MS,
  );
  // At start and hourly: records past their retention hold callers' numbers no longer needed.
  const auditRetention = startAuditRetention(services);
  const callRetention = runCallRetention(createCallRetention(redis, k, { retentionDays: settings.callRecordRetentionDays ?? DEFAULT_CALL_RECORD_RETENTION_DAYS }));
  arrival.startOverflowWatch(() => (ari.isConnected() ? ari.client() : undefined));

  const sipEdge = settings.sipEdge && startSipEdge(settings.sipEdge, sipEdgeServices(services, createContactStore(redis, k)));
  const app = createHttpApp({ ...services, ari, sipEdge });
  const server = serve({ fetch: app.fetch, hostname: settings.http.host, port: settings.http.port });
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const events = attachEventSocket(server as Server, { tokens, k, redis, connectReader: () => connectRedis(settings.redisUrl, { name: 'events' }) });
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.http.host}:${port}`;
  listening.at = localBaseUrl(settings.http.host, port);
  log.info({ url, municipalities: settings.region.municipalities.length }, 'switchboard ready');

  return {
    ...services,
    url,
    keys: k,
    async stop(): Promise<void> {
      clearInterval(callbackRelease);
      sipEdge?.stop();
      await events.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      arrival.stop();
      ari.close();
      await search.stop();
      await callRetention.stop();
      await auditRetention.stop();
      await redis.close();
    },
  };
}

export type Switchboard = Awaited<ReturnType<typeof startSwitchboard>>;

function unreachable(): never {
  throw new AppError(503, 'ari_unavailable', 'The media server (Asterisk) cannot be reached right now');
}
