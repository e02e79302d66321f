import { createAdminStores } from './admin/index.js';
import { createTokenAccounts, withTokenLinkCheck } from './admin/operator-accounts.js';
import { createAuditLog } from './audit/audit-log.js';
import { createTokenStore } from './auth/token-store.js';
import type { RegionConfig } from './config/region-schema.js';
import { createDiallingGuard } from './dialling/dialling-guard.js';
import { createDirectoryStore } from './directory/directory-store.js';
import { createDirectorySearch } from './directory/entries/directory-search.js';
import { createDirectoryEntryStore } from './directory/entries/entry-store.js';
import { createExtensionPins } from './self-service/extension-pins.js';
import { createPersonOfExtension } from './directory/entries/person-of-extension.js';
import { createSelfSignIn } from './self-service/self-sign-in.js';
import { createOpeningStateReader } from './hours/opening-state.js';
import type { AriConnection } from './media/ari-connection.js';
import { type CallControlSettings, DEFAULT_CALL_CONTROL } from './media/call-control/call-control.js';
import { createCallControlService } from './media/call-control/index.js';
import type { NodeCommandBus } from './media/nodes/node-commands.js';
import { createNodeRouter } from './media/nodes/node-router.js';
import { mediaIds } from './media/media-ids.js';
import type { OperatorLegConfig, OperatorLegSettings } from './media/operator-leg.js';
import { type SpokenTextSettings, createSpokenTexts } from './media/spoken-text/spoken-texts.js';
import { type MetricsSettings, createMetrics } from './metrics/metrics.js';
import { createOperatorPhones } from './operators/operator-phone.js';
import { createOperatorStore } from './operators/operator-store.js';
import { createContactStore } from './extensions/contact-store.js';
import { createCallbackStore } from './calls/callbacks/callback-store.js';
import { type DeliverySettings, createMessageDelivery, deliveryChannels } from './calls/messages/message-delivery.js';
import { createCallQueue } from './queue/call-queue.js';
import { directNumberTarget } from './routing/direct-number-owner.js';
import { extensionOwner } from './routing/route-call.js';
import { createCallStatistics } from './statistics/call-statistics.js';
import type { Keys } from './store/keys.js';
import type { RedisClient } from './store/redis-client.js';
import type { SoftphoneSettings } from './media/softphone/softphone-credentials.js';
import { createSoftphones } from './media/softphone/softphones.js';

export interface ServiceSettings {
  region: RegionConfig;
  auditRetentionDays: number;
  /** Realm of the extensions' SIP digests (default admin/extensions.ts DEFAULT_SIP_REALM). */
  sipRealm?: string | undefined;
  /** Ringing operators; `phoneNetworks` are OPERATOR_PHONE_NETWORKS (operators/operator-phone.ts). */
  leg: OperatorLegConfig;
  /** Transfers, recall time, the trunk for dialling out (media/call-control/); defaults DEFAULT_CALL_CONTROL. */
  callControl?: Partial<CallControlSettings> | undefined;
  /** Asterisk, asked only when an action needs it (the connection may come later, or be down: 503). */
  ari: Pick<AriConnection, 'client'>;
  /** Where stored texts are spoken to and fetched from (media/spoken-text/). */
  spokenText: SpokenTextSettings;
  /** MEDIA_NODE_DEAD_SECONDS (media/nodes/): the queue views leave out calls of a node silent this long. */
  mediaNodeDeadSeconds?: number | undefined;
  /** The other media nodes' instances, for calls waiting there (media/nodes/); none in the HTTP tests. */
  nodeCommands?: Pick<NodeCommandBus, 'send' | 'othersUp'> | undefined;
  /** /metrics (metrics/): the scrape token's hash, hooks on or off, and the clock opening hours are read by (Date.now by default). */
  metrics?: (MetricsSettings & { now?: (() => number) | undefined }) | undefined;
  /** The console's browser phones (media/softphone/): the WebSocket they register on, the DTLS certificate. */
  softphone: SoftphoneSettings;
  /** Messages for absent people sent by e-mail (SMTP_*) and SMS (SMS_*; calls/messages/message-delivery.ts); none when not given. */
  messageDelivery?: DeliverySettings | undefined;
}

/**
 * The stores and services of one switchboard process on one Redis, wired once: what the HTTP
 * API, the call flow and the SIP edge share. Each store is built here once and handed to what
 * needs it. The switchboard adds Asterisk's events, the SIP edge and the HTTP server; the HTTP
 * tests use the same wiring with Asterisk out of reach, so they test what runs.
 */
export function createServices(redis: RedisClient, k: Keys, settings: ServiceSettings) {
  const { region } = settings;
  const directory = createDirectoryStore(redis, k);
  const queue = createCallQueue(redis, k, mediaIds, {
    wrapUpSeconds: region.region.wrapUpSeconds,
    mediaNodeDeadSeconds: settings.mediaNodeDeadSeconds,
  });
  const operators = createOperatorStore(redis, k);
  const audit = createAuditLog(redis, k, { retentionDays: settings.auditRetentionDays });
  const { phoneNetworks, ...legSettings } = settings.leg;
  // Where extensions' phones are registered (SIP edge): rung by direct dial, transfers and operators' logins.
  const contacts = createContactStore(redis, k);
  const phones = createOperatorPhones({ networks: phoneNetworks, region, contacts });
  const leg: OperatorLegSettings = { ...legSettings, phones };
  const tokens = createTokenStore(redis, k, audit);
  const adminStores = createAdminStores(redis, k, audit, region, {
    sipRealm: settings.sipRealm,
    operatorPhoneProblem: phones.problem,
  });
  const admin = { ...adminStores, operatorAccounts: withTokenLinkCheck(adminStores.operatorAccounts, tokens) };
  const dialling = createDiallingGuard(redis, k, { policies: admin.dialPolicies, region });
  const entries = createDirectoryEntryStore(redis, k, audit);
  const personOfExtension = createPersonOfExtension({ extensions: admin.extensions, entries });
  const pins = createExtensionPins(redis, k, audit);
  const callbacks = createCallbackStore(redis, k, dialling, mediaIds);
  const numberTarget = directNumberTarget(redis, k, admin);
  const callControl = createCallControlService({
    redis,
    k,
    contacts,
    callbacks,
    queue,
    operators,
    directory,
    entries,
    personOfExtension,
    leg,
    ari: settings.ari,
    settings: { ...DEFAULT_CALL_CONTROL, ...settings.callControl },
    dialling,
    delivering: deliveryChannels(settings.messageDelivery),
  });
  const messageDelivery =
    deliveryChannels(settings.messageDelivery).length > 0
      ? createMessageDelivery({
          redis,
          k,
          messages: callControl.messages,
          entries,
          municipalityName: (id) => region.municipalities.find((m) => m.id === id)?.name ?? id,
          ...settings.messageDelivery,
        })
      : undefined;
  return {
    redis,
    region,
    leg,
    /** The process's one Prometheus registry and its hooks (metrics/metrics.ts), served at GET /metrics. */
    metrics: createMetrics(
      {
        redis,
        k,
        region,
        queue,
        operators,
        opening: createOpeningStateReader(admin),
        now: settings.metrics?.now ?? Date.now,
      },
      settings.metrics,
    ),
    /** Which phones operators may give (login, operator accounts), and where to ring them. */
    phones,
    directory,
    queue,
    operators,
    audit,
    tokens,
    admin,
    /** The dial policy every call leaving the region asks (toll fraud): the SIP edge, call control, the admin API. */
    dialling,
    /** Registered phones of extensions (extensions/contact-store.ts): the SIP edge binds them, calls ring them. */
    contacts,
    /** Which operator account a token served as (login, operator statistics). */
    tokenAccounts: createTokenAccounts(redis, k, admin.operatorAccounts),
    entries,
    /** The person an extension stands for: one rule for sign-in, feature codes and direct-dial hänvisning. */
    personOfExtension,
    /** The personal page (self-service/): extensions' PINs, and signing in with one. */
    selfService: {
      pins,
      signIn: createSelfSignIn({ redis, k, extensions: admin.extensions, personOfExtension, pins, tokens }),
    },
    /** Not started here: it follows changes on a connection of its own (start/stop with the process). */
    search: createDirectorySearch(redis, k),
    statistics: createCallStatistics(redis, k, region),
    /** Where a direct number is set to go (routing/direct-number-owner.ts): the SIP edge forwards by it. */
    directNumberTarget: numberTarget,
    /** The extension a direct number is given to, as routeCall asks it (a forwarded number has none: the SIP edge forwards it): the arrival path, the routing simulator. */
    directNumberOwner: extensionOwner(numberTarget),
    callControl,
    /** Sends messages by e-mail and SMS (started with the process), when SMTP or an SMS gateway is configured. */
    messageDelivery,
    /** Where each call's media steps run: on its caller's node, here or forwarded to its instance (media/nodes/). */
    nodes: createNodeRouter({
      node: leg.mediaNode,
      queue,
      ari: settings.ari,
      leg,
      control: callControl.actions,
      commands: settings.nodeCommands,
    }),
    /** Operators' browser phones on this node's Asterisk: issued, found for login, revoked at logout, swept at expiry. */
    softphones: createSoftphones({
      redis,
      k,
      client: () => settings.ari.client(),
      mediaNode: leg.mediaNode,
      settings: settings.softphone,
    }),
    /** Stored texts (closed message, queue announcements) as audio: the call flow plays them, the HTTP app serves them to Asterisk. */
    spokenTexts: createSpokenTexts(redis, k, settings.spokenText),
  };
}

export type Services = ReturnType<typeof createServices>;
