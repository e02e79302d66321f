import type { Client } from 'ari-client';
import type { AdminStores } from '../../admin/index.js';
import type { CallbackStore } from '../../calls/callbacks/callback-store.js';
import type { RegionConfig } from '../../config/region-schema.js';
import type { DiallingGuard } from '../../dialling/dialling-guard.js';
import type { ContactStore } from '../../extensions/contact-store.js';
import { type PeriodicJob, runPeriodically } from '../../periodic-job.js';
import type { CallQueue } from '../../queue/call-queue.js';
import { createQueuePolicies } from '../../queue/policy/queue-policy.js';
import type { DirectNumberOwner } from '../../routing/route-call.js';
import { buildRoutingTable, tableLookup } from '../../routing/routing-table.js';
import type { Keys } from '../../store/keys.js';
import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import type { SpokenTexts } from '../spoken-text/spoken-texts.js';
import type { RedisClient } from '../../store/redis-client.js';
import { createArrivalConfig } from './arrival-config.js';
import { createArrival } from './arrival.js';
import { createCallSetUp } from './call-set-up.js';
import { type CapacityLimits, createCapacity } from './capacity.js';
import { createCallerMedia } from './caller-media.js';
import { createDirectDial } from './direct-dial.js';
import type { PersonOfExtension } from '../../directory/entries/person-of-extension.js';
import { createFeatureCodes } from './feature-code.js';
import { createStoredTexts } from './stored-texts.js';
import { createVoiceMessages } from './voice-message.js';

/** How often waiting calls are checked against their municipality's maximum wait. */
const OVERFLOW_SWEEP_MS = 1_000;

/** The arrival path wired to its stores, and the timer that applies the maximum-wait limits. */
export function createArrivalPath(deps: {
  redis: RedisClient;
  k: Keys;
  region: RegionConfig;
  queue: CallQueue;
  admin: AdminStores;
  /** The directory: a phone's feature code sets its entry's hänvisning (feature-code.ts). */
  entries: DirectoryEntryStore;
  /** The person an extension stands for (directory/entries/person-of-extension.ts). */
  personOfExtension: PersonOfExtension;
  /** Registered phones a direct-dial call rings. */
  contacts: ContactStore;
  /** Where a caller's call-back is booked. */
  callbacks: CallbackStore;
  /** The extension a direct number is given to (services.ts). */
  directNumberOwner: DirectNumberOwner;
  /** The closed message and queue announcements IT staff store, spoken for Asterisk to fetch. */
  spokenTexts: Pick<SpokenTexts, 'mediaUri'>;
  app: string;
  /** This instance's Asterisk (AriSettings.mediaNode), recorded on the calls queued here. */
  mediaNode: string;
  /** pjsip endpoint that dials extensions' phones by SIP URI (call control's extensionEndpoint). */
  extensionEndpoint: string;
  /** The dial policy: a call-back is offered only to a caller whose number it allows call-backs to dial. */
  dialling: DiallingGuard;
  /** This node's limits (capacity.ts). */
  capacity: CapacityLimits;
  /** How long a caller's set-up may take (call-set-up.ts DEFAULT_SET_UP_TIMEOUT_MS when not given). */
  setUpTimeoutMs?: number | undefined;
  /** A message with a key press after a hänvisning (voice-message.ts): given only while messages are sent by e-mail. */
  voiceMessage?: Omit<Parameters<typeof createVoiceMessages>[0], 'media' | 'texts'> | undefined;
  now: () => number;
}) {
  const { redis, k, region, queue, admin, spokenTexts, app, mediaNode, extensionEndpoint, dialling, now } = deps;
  // What callers meet is read once and kept until an admin change; a storm costs no reads but the enqueue.
  const config = createArrivalConfig({ redis, k, admin });
  const policies = createQueuePolicies(redis, k, queue, config.admin.queuePolicies, region);
  const media = createCallerMedia();
  const capacity = createCapacity(deps.capacity);
  const texts = createStoredTexts({ greetings: config.admin.greetings, spokenTexts });
  const arrival = createArrival({
    region,
    queue,
    // The numbers this process wrote to the directory at start (DirectoryStore.syncRegion), looked up in memory.
    findRoute: tableLookup(buildRoutingTable(region)),
    owner: deps.directNumberOwner,
    policies,
    media,
    directDial: createDirectDial({
      personOfExtension: deps.personOfExtension,
      contacts: deps.contacts,
      app,
      endpoint: extensionEndpoint,
      ringSeconds: region.region.directDialRingSeconds,
      now,
    }),
    featureCodes: createFeatureCodes({
      personOfExtension: deps.personOfExtension,
      entries: deps.entries,
      media,
      texts,
      now,
    }),
    callbacks: deps.callbacks,
    dialling,
    texts,
    openingStateAt: config.openingStateAt,
    mediaNode,
    capacity,
    setUp: createCallSetUp({ policies, queue, media, timeoutMs: deps.setUpTimeoutMs }),
    voiceMessages: deps.voiceMessage && createVoiceMessages({ media, texts, ...deps.voiceMessage }),
    now,
  });
  let overflowWatch: PeriodicJob | undefined;
  return {
    arrival,
    policies,
    capacity,
    /** Sweeps for calls past their maximum wait every second while Asterisk is reachable. */
    startOverflowWatch(client: () => Client | undefined): void {
      overflowWatch = runPeriodically(
        'overflow sweep',
        async () => {
          const current = client();
          if (current) await arrival.sweep(current);
        },
        OVERFLOW_SWEEP_MS,
        { atOnce: false },
      );
    },
    async stop(): Promise<void> {
      await Promise.all([overflowWatch?.stop(), config.stop()]);
      arrival.stop();
    },
  };
}
