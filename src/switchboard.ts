import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { RegionConfig } from './config/region-schema.js';
import { currentAbsence } from './directory/entries/entry-schema.js';
import { attachEventSocket } from './events/event-socket.js';
import { createDrain } from './drain.js';
import { AppError } from './errors.js';
import { createHttpApp } from './http/app.js';
import { log } from './log.js';
import { runPeriodically } from './periodic-job.js';
import { DEFAULT_DTLS_CERT_FILE } from './media/softphone/softphone-credentials.js';
import { type AriConnection, type AriSettings, connectAri, mediaNodeOf } from './media/ari-connection.js';
import { createCallRetention, DEFAULT_CALL_RECORD_RETENTION_DAYS, runCallRetention } from './calls/call-retention.js';
import {
  createMessageRetention,
  DEFAULT_MESSAGE_RETENTION_DAYS,
  runMessageRetention,
} from './calls/messages/message-retention.js';
import type { DeliveryTiming } from './calls/messages/message-delivery.js';
import type { SmtpSettings } from './calls/messages/message-mail.js';
import type { SmsGatewaySettings } from './calls/messages/message-sms.js';
import { startAuditRetention } from './audit/audit-retention.js';
import { type CapacityLimits, DEFAULT_CAPACITY } from './media/arrival/capacity.js';
import { createArrivalPath } from './media/arrival/index.js';
import type { VoiceMessageTiming } from './media/arrival/voice-message.js';
import { createCallFlow } from './media/call-flow.js';
import { type CallControlSettings, DEFAULT_CALL_CONTROL } from './media/call-control/call-control.js';
import type { OperatorLegConfig } from './media/operator-leg.js';
import { DEFAULT_SPOKEN_TEXT_CACHE_DIR, localBaseUrl } from './media/spoken-text/spoken-texts.js';
import { type Keys, keys } from './store/keys.js';
import { type RedisTarget, type SentinelTarget, connectRedisTo } from './store/redis-client.js';
import { createNodeCommandBus } from './media/nodes/node-commands.js';
import { DEFAULT_MEDIA_NODE_DEAD_SECONDS, startNodeLiveness } from './media/nodes/node-liveness.js';
import { createServices, type Services } from './services.js';
import type { MetricsSettings } from './metrics/metrics.js';
import { installProbes } from './metrics/probes.js';
import { runImportRecovery } from './import/staged-import.js';
import { type SipEdgeServices, startSipEdge } from './sip-edge/edge.js';
import { createAuthFailures } from './sip-edge/security/auth-failures.js';
import { createNonceCounts } from './sip-edge/security/nonce-counts.js';
import type { SipEdgeSettings } from './sip-edge/settings.js';

export interface SwitchboardSettings {
  region: RegionConfig;
  /** One Redis (REDIS_URL), or `redisSentinel` instead. */
  redisUrl?: string;
  /** Redis through Sentinel (REDIS_SENTINELS, REDIS_SENTINEL_MASTER), following its master through failovers. */
  redisSentinel?: SentinelTarget | undefined;
  /** Replicas that must have a state change before it is answered (REDIS_ACK_REPLICAS; store/replica-ack.ts): 1 under Sentinel, 0 otherwise by default. */
  redisAckReplicas?: number | undefined;
  redisPrefix: string;
  /** MEDIA_NODE_DEAD_SECONDS: a media node silent this long has lost its calls (media/nodes/); DEFAULT_MEDIA_NODE_DEAD_SECONDS when not given. */
  mediaNodeDeadSeconds?: number;
  ari: AriSettings;
  /** How operators' phones are rung, and the networks they may be on (OPERATOR_PHONE_NETWORKS). */
  operatorLeg: Omit<OperatorLegConfig, 'app' | 'mediaNode'>;
  http: { host: string; port: number };
  auditRetentionDays: number;
  /** Ended call records older than this are removed (calls/call-retention.ts); DEFAULT_CALL_RECORD_RETENTION_DAYS when not given. */
  callRecordRetentionDays?: number;
  /** Messages for absent people older than this are removed (calls/messages/message-retention.ts); DEFAULT_MESSAGE_RETENTION_DAYS when not given. */
  messageRetentionDays?: number;
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
  /** Calls this media node takes on at once (MAX_CALLS_SETTING_UP, MAX_CALLS_HELD); DEFAULT_CAPACITY where not given. */
  capacity?: Partial<CapacityLimits> | undefined;
  /** How long a caller's set-up may take before it fails (CALL_SETUP_TIMEOUT_MS; media/arrival/call-set-up.ts). */
  setUpTimeoutMs?: number | undefined;
  /** GET /metrics (metrics/): the scrape token's SHA-256 (METRICS_TOKEN_SHA256); hooks on unless `instrument: false`. */
  metrics?: MetricsSettings | undefined;
  /** Messages for absent people sent by e-mail through this SMTP server (SMTP_*); none when not given. */
  smtp?: SmtpSettings | undefined;
  /** Messages for absent people also sent by SMS through this HTTP gateway (SMS_*); none when not given. */
  sms?: SmsGatewaySettings | undefined;
  /**
   * The console's browser phones: the WebSocket they register on (SOFTPHONE_WS_URL; by default
   * Asterisk's HTTP server at the ARI URL's host, /ws) and the DTLS certificate as Asterisk sees it.
   */
  softphone?: { wsUrl?: string | undefined; dtlsCertFile?: string | undefined } | undefined;
  /** Poll and backoff of message delivery (calls/messages/message-delivery.ts); DEFAULT_DELIVERY_TIMING where not given. */
  messageDeliveryTiming?: Partial<DeliveryTiming> | undefined;
  /** The voice message's offer and recording limits (media/arrival/voice-message.ts); the defaults where not given. */
  voiceMessageTiming?: Partial<VoiceMessageTiming> | undefined;
}

/** How often booked call-backs whose window has begun are moved into their queue. */
const CALLBACK_RELEASE_MS = 1_000;
/** How often this node's expired browser phones are deleted from its Asterisk. */
const SOFTPHONE_SWEEP_MS = 60_000;

/** Asterisk's SIP WebSocket (res_pjsip_transport_websocket) on its HTTP server, where ARI is: ws://host:port/ws. */
const asteriskWebSocketUrl = (ariUrl: string): string => {
  const url = new URL('/ws', ariUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
};

/**
 * One switchboard process: the region's directory written to Redis, the call flow on
 * Asterisk's events and the HTTP API. Several may run against one Redis; each needs its own
 * ARI app name on its Asterisk.
 */
export async function startSwitchboard(settings: SwitchboardSettings) {
  const target: RedisTarget = settings.redisSentinel ?? { url: settings.redisUrl ?? missingRedis() };
  const { client: redis, replicas } = await connectRedisTo(target, {
    name: 'switchboard',
    ackReplicas: settings.redisAckReplicas,
  });
  // Connections of their own for blocking reads (events, node commands): nothing to confirm on them.
  const connectReader = (name: string) => () =>
    connectRedisTo(target, { name, ackReplicas: 0 }).then(({ client }) => client);
  const k = keys(settings.redisPrefix);
  // Call control acts on ARI only when asked (HTTP, events), after the connection below exists.
  const connected: { ari?: AriConnection } = {};
  // Known once the HTTP server listens (the port may be 0: any free one). A call arriving before
  // that (ARI connects first) hears the generic prompts instead of a stored text.
  const listening: { at?: string } = {};
  const mediaNode = mediaNodeOf(settings.ari);
  const mediaNodeDeadSeconds = settings.mediaNodeDeadSeconds ?? DEFAULT_MEDIA_NODE_DEAD_SECONDS;
  // Other instances ask this one to act on its node (ring, call control), and it asks them.
  const nodeCommands = createNodeCommandBus({ redis, k, node: mediaNode, connect: connectReader('node-commands') });
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
    mediaNodeDeadSeconds,
    nodeCommands,
    metrics: { ...settings.metrics, now: settings.now },
    messageDelivery: { smtp: settings.smtp, sms: settings.sms, timing: settings.messageDeliveryTiming },
    softphone: {
      wsUrl: settings.softphone?.wsUrl ?? asteriskWebSocketUrl(settings.ari.url),
      dtlsCertFile: settings.softphone?.dtlsCertFile ?? DEFAULT_DTLS_CERT_FILE,
    },
  });
  // This process's ARI requests, scripts and set-ups are timed into its registry while it runs.
  const uninstallProbes = services.metrics.instrument ? installProbes(services.metrics.probes) : () => undefined;
  nodeCommands.start(services.nodes.runHere);
  // Beats for this node while its ARI answers; ends the calls of any node silent too long.
  const liveness = startNodeLiveness({
    redis,
    k,
    node: mediaNode,
    instanceId: nodeCommands.instanceId,
    beating: () => connected.ari?.isConnected() ?? false,
    deadSeconds: mediaNodeDeadSeconds,
    wrapUpSeconds: settings.region.region.wrapUpSeconds,
  });
  const { directory, queue, admin, search, callControl, tokens, spokenTexts } = services;
  await directory.syncRegion(settings.region);
  await search.start();

  const extensionEndpoint = settings.callControl?.extensionEndpoint ?? DEFAULT_CALL_CONTROL.extensionEndpoint;
  const arrival = createArrivalPath({
    redis,
    k,
    region: settings.region,
    queue,
    admin,
    entries: services.entries,
    personOfExtension: services.personOfExtension,
    contacts: services.contacts,
    callbacks: callControl.callbacks,
    directNumberOwner: services.directNumberOwner,
    spokenTexts,
    app: settings.ari.app,
    mediaNode,
    extensionEndpoint,
    dialling: services.dialling,
    capacity: { ...DEFAULT_CAPACITY, ...settings.capacity },
    setUpTimeoutMs: settings.setUpTimeoutMs,
    // Offered only while messages are sent by e-mail (an SMS cannot carry the audio): otherwise a voice message would wait unheard in the console.
    voiceMessage: settings.smtp &&
      services.messageDelivery && {
        messages: callControl.messages,
        ari: settings.ari,
        taken: services.messageDelivery.kick,
        timing: settings.voiceMessageTiming,
      },
    now: settings.now ?? Date.now,
  });
  const flow = createCallFlow({
    queue,
    arrival: arrival.arrival,
    app: settings.ari.app,
    mediaNode,
    control: callControl.actions,
  });
  const ari = await connectAri(settings.ari, {
    attach: flow.attach,
    onConnected: async (client, run) => {
      // Back (or answering again): its callers can be rung for at once, not at the next beat.
      if (!run.periodic) liveness.beatNow();
      await flow.reconcile(client, run);
    },
  });
  connected.ari = ari;
  liveness.beatNow();
  const callbackRelease = runPeriodically(
    'moving due call-backs into their queues',
    () => callControl.callbacks.releaseDue(),
    CALLBACK_RELEASE_MS,
    { atOnce: false },
  );
  // At start and hourly: records past their retention hold callers' numbers no longer needed.
  const auditRetention = startAuditRetention(services);
  const callRetention = runCallRetention(
    createCallRetention(redis, k, {
      retentionDays: settings.callRecordRetentionDays ?? DEFAULT_CALL_RECORD_RETENTION_DAYS,
    }),
  );
  const messageRetention = runMessageRetention(
    createMessageRetention(redis, k, {
      retentionDays: settings.messageRetentionDays ?? DEFAULT_MESSAGE_RETENTION_DAYS,
    }),
  );
  services.messageDelivery?.start();
  if (settings.smtp) {
    const { host, port, tls } = settings.smtp;
    log.info({ host, port, tls }, 'messages are sent by e-mail');
  } else log.info('messages are not sent by e-mail (SMTP_HOST is not set): they wait in the console');
  // The gateway's host only: its URL's path or query may hold a key, and the Authorization header is a secret.
  if (settings.sms) log.info({ host: new URL(settings.sms.url).host }, 'messages are also sent by SMS');
  arrival.startOverflowWatch(() => (ari.isConnected() ? ari.client() : undefined));
  const importRecovery = runImportRecovery(redis, k);
  // Browser phones past their expiry leave this node's Asterisk (an operator who never logged out).
  const softphoneSweep = runPeriodically(
    'deleting expired browser phones',
    () => services.softphones.sweep(),
    SOFTPHONE_SWEEP_MS,
    {
      atOnce: false,
    },
  );

  const sipEdge =
    settings.sipEdge && startSipEdge(settings.sipEdge, sipEdgeServices(services, k, settings.now ?? Date.now));
  const drain = createDrain(arrival.capacity);
  const app = createHttpApp({ ...services, ari, sipEdge, mediaNodes: liveness, replicas, drain });
  const server = serve({ fetch: app.fetch, hostname: settings.http.host, port: settings.http.port });
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const events = attachEventSocket(server as Server, { tokens, k, redis, connectReader: connectReader('events') });
  await events.ready;
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.http.host}:${port}`;
  listening.at = localBaseUrl(settings.http.host, port);
  log.info({ url, municipalities: settings.region.municipalities.length }, 'switchboard ready');

  return {
    ...services,
    url,
    keys: k,
    /** SIGTERM's first step (drain.ts): no new callers, not ready; resolves once no caller is held here, or after `seconds`. */
    drain: (seconds: number) => drain.drain(seconds),
    async stop(): Promise<void> {
      await callbackRelease.stop();
      sipEdge?.stop();
      await events.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await arrival.stop();
      await liveness.stop();
      await nodeCommands.stop();
      ari.close();
      await search.stop();
      await callRetention.stop();
      await messageRetention.stop();
      await services.messageDelivery?.stop();
      await importRecovery.stop();
      await softphoneSweep.stop();
      await auditRetention.stop();
      replicas?.stop();
      uninstallProbes();
      await redis.close();
    },
  };
}

export type Switchboard = Awaited<ReturnType<typeof startSwitchboard>>;

/** What the SIP edge needs, from the switchboard's services, and the stores only the edge uses (its digest checks). */
function sipEdgeServices(services: Services, k: Keys, now: () => number): SipEdgeServices {
  const { extensions } = services.admin;
  return {
    findRoute: services.directory.findRoute,
    directNumberTarget: services.directNumberTarget,
    async extension(extension) {
      const id = await extensions.idByClaim(`extension:${extension}`);
      return id === undefined ? undefined : (await extensions.get(id))?.doc;
    },
    async absent(extension) {
      const { entry } = await services.personOfExtension(extension);
      return entry !== undefined && currentAbsence(entry, now()) !== null;
    },
    mainNumber: (id) => services.region.municipalities.find((m) => m.id === id)?.mainNumbers[0],
    credentials: (extension) => extensions.sipCredentials(extension),
    contacts: services.contacts,
    dialling: services.dialling,
    nonceCounts: createNonceCounts(services.redis, k),
    authFailures: createAuthFailures(services.redis, k),
    region: services.region,
    ringMs: services.region.region.directDialRingSeconds * 1000,
  };
}

function missingRedis(): never {
  throw new Error('startSwitchboard: give redisUrl or redisSentinel');
}

function unreachable(): never {
  throw new AppError(503, 'ari_unavailable', 'The media server (Asterisk) cannot be reached right now');
}
