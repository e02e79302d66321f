import type { Client } from 'ari-client';
import type { AdminStores } from '../../admin/index.js';
import { createCallbackStore } from '../../calls/callbacks/callback-store.js';
import type { RegionConfig } from '../../config/region-schema.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { createContactStore } from '../../extensions/contact-store.js';
import { createOpeningStateReader } from '../../hours/opening-state.js';
import { log } from '../../log.js';
import type { CallQueue } from '../../queue/call-queue.js';
import { createQueuePolicies } from '../../queue/policy/queue-policy.js';
import { directNumberOwner } from '../../routing/direct-number-owner.js';
import type { Keys } from '../../store/keys.js';
import type { SpokenTexts } from '../spoken-text/spoken-texts.js';
import type { RedisClient } from '../../store/redis-client.js';
import { createArrival } from './arrival.js';
import { createCallerMedia } from './caller-media.js';
import { createDirectDial } from './direct-dial.js';
import { createStoredTexts } from './stored-texts.js';

/** How often waiting calls are checked against their municipality's maximum wait. */
const OVERFLOW_SWEEP_MS = 1_000;

/** The arrival path wired to its stores, and the timer that applies the maximum-wait limits. */
export function createArrivalPath(deps: {
  redis: RedisClient;
  k: Keys;
  region: RegionConfig;
  queue: CallQueue;
  directory: DirectoryStore;
  admin: AdminStores;
  /** The closed message and queue announcements IT staff store, spoken for Asterisk to fetch. */
  spokenTexts: Pick<SpokenTexts, 'mediaUri'>;
  app: string;
  /** This instance's Asterisk (AriSettings.mediaNode), recorded on the calls queued here. */
  mediaNode: string;
  /** pjsip endpoint that dials extensions' phones by SIP URI (call control's extensionEndpoint). */
  extensionEndpoint: string;
  now: () => number;
}) {
  const { redis, k, region, queue, directory, admin, spokenTexts, app, mediaNode, extensionEndpoint, now } = deps;
  const policies = createQueuePolicies(redis, k, queue, admin.queuePolicies, region);
  const arrival = createArrival({
    region,
    queue,
    directory,
    owner: directNumberOwner(redis, k, admin),
    policies,
    media: createCallerMedia(),
    directDial: createDirectDial({ redis, k, contacts: createContactStore(redis, k), app, endpoint: extensionEndpoint, ringSeconds: region.region.directDialRingSeconds, now }),
    callbacks: createCallbackStore(redis, k),
    texts: createStoredTexts({ greetings: admin.greetings, spokenTexts }),
    openingStateAt: createOpeningStateReader(admin).openingStateAt,
    mediaNode,
    now,
  });
  let timer: NodeJS.Timeout | undefined;
  return {
    arrival,
    policies,
    /** Sweeps for calls past their maximum wait every second while Asterisk is reachable. */
    startOverflowWatch(client: () => Client | undefined): void {
      let running = false;
      timer = setInterval(() => {
        const current = client();
        if (running || !current) return;
        running = true;
        arrival
          .sweep(current)
          .catch((error: unknown) => log.error({ err: error }, 'overflow sweep failed'))
          .finally(() => (running = false));
      }, OVERFLOW_SWEEP_MS);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      arrival.stop();
    },
  };
}
