import type { CallbackStore } from '../../calls/callbacks/callback-store.js';
import { type DeliveryChannel, createMessageStore } from '../../calls/messages/message-store.js';
import type { DiallingGuard } from '../../dialling/dialling-guard.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import type { PersonOfExtension } from '../../directory/entries/person-of-extension.js';
import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import type { ContactStore } from '../../extensions/contact-store.js';
import type { OperatorStore } from '../../operators/operator-store.js';
import type { CallQueue } from '../../queue/call-queue.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import type { AriConnection } from '../ari-connection.js';
import type { OperatorLegSettings } from '../operator-leg.js';
import { type CallControlSettings, createCallControl } from './call-control.js';
import { createControlStore } from './control-store.js';

/** Everything of call control in one place, for the switchboard and the HTTP app to share. */
export function createCallControlService(deps: {
  redis: RedisClient;
  k: Keys;
  contacts: ContactStore;
  callbacks: CallbackStore;
  queue: CallQueue;
  operators: OperatorStore;
  directory: DirectoryStore;
  entries: Pick<DirectoryEntryStore, 'get'>;
  /** The person an extension stands for: a message for an extension is theirs. */
  personOfExtension: PersonOfExtension;
  /** Asked at each action, so it may be connected after this is built. */
  ari: Pick<AriConnection, 'client'>;
  leg: OperatorLegSettings;
  settings: CallControlSettings;
  /** The dial policy: external transfers and call-backs are asked before anything changes. */
  dialling: DiallingGuard;
  /** The channels messages are sent on (calls/messages/message-delivery.ts): each new one gets a delivery state on each. */
  delivering?: readonly DeliveryChannel[];
}) {
  const { redis, k } = deps;
  const control = createControlStore(redis, k);
  return {
    control,
    callbacks: deps.callbacks,
    messages: createMessageStore(redis, k, deps.entries, deps.personOfExtension, { delivering: deps.delivering }),
    actions: createCallControl({ ...deps, control }),
  };
}

export type CallControlService = ReturnType<typeof createCallControlService>;
