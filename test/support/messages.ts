import { afterEach } from 'vitest';
import type { DeliveryTiming } from '../../src/calls/messages/message-delivery.js';
import type { DirectoryEntryInput } from '../../src/directory/entries/entry-schema.js';
import { VANNAS } from './municipalities.js';

/** Anna Berg of Vännäs, with an e-mail address: the person the message tests take messages for. */
export const ANNA_BERG = {
  municipalityId: VANNAS,
  kind: 'person',
  givenName: 'Anna',
  familyName: 'Berg',
  extension: '2460200',
  email: 'anna.berg@vannas.example',
} as const satisfies DirectoryEntryInput;

/** Short waits, so a test sees several delivery attempts in a second or two. */
export const FAST_DELIVERY: DeliveryTiming = { pollMs: 50, retryBaseMs: 100, retryMaxMs: 400, leaseMs: 10_000 };

/** What a test started (servers, delivery jobs) to stop after it, the last started first. */
export function useCleanups(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}
