import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/access.js';
import { localActor } from '../../src/auth/token-store.js';
import { DEFAULT_DIAL_POLICY } from '../../src/dialling/dial-policy.js';
import { eventFor, toEvent } from '../../src/events/event-stream.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { testDialling } from '../support/dialling.js';
import { UMEA, caller, useRedis } from '../support/redis.js';
import { VANNAS } from '../support/municipalities.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

const principal = (role: Principal['role'], municipalityId?: string): Principal => ({
  id: role,
  name: role,
  role,
  ...(municipalityId ? { municipalityId } : {}),
});

/** What the guard and a call put in the stream: a refused transfer and a capped extension in Vännäs, a refused call-back and a waiting call in Umeå. */
async function streamOfDiallingEvents() {
  const { guard, policies } = testDialling(ctx);
  await policies.create(
    { municipalityId: VANNAS, allow: DEFAULT_DIAL_POLICY.allow, extensionDailyCap: { calls: 1, minutes: 100 } },
    localActor('test setup'),
  );
  await guard.decide(VANNAS, 'transfer', '0900-123 45 67', { callId: 'v1' });
  await guard.admitExtensionCall(VANNAS, '2460100');
  await guard.admitExtensionCall(VANNAS, '2460100');
  await guard.decide(UMEA, 'callback', '+47 22 33 44 55', { callId: 'u1' });
  await createCallQueue(ctx.redis, ctx.k, mediaIds).enqueue(caller('u2', UMEA));
  return ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? []).map((entry) => toEvent(entry.id, entry.message));
}

describe('dial-policy events for IT staff', () => {
  it('gives a municipality admin their municipality’s dialling.* events with kind, class, extension and limit, never a call id or number', async () => {
    const stream = await streamOfDiallingEvents();
    const seen = (who: Principal) => stream.map((event) => eventFor(who, event)).filter((event) => event !== undefined);

    const vannas = seen(principal('municipality-admin', VANNAS));
    expect(vannas).toEqual([
      {
        seq: expect.any(String),
        at: expect.any(Number),
        type: 'dialling.refused',
        municipalityId: VANNAS,
        kind: 'transfer',
        class: 'premium',
      },
      {
        seq: expect.any(String),
        at: expect.any(Number),
        type: 'dialling.cap-reached',
        municipalityId: VANNAS,
        extension: '2460100',
        limit: 'calls',
        cap: '1',
        used: '1',
      },
    ]);
    expect(JSON.stringify(vannas)).not.toMatch(/v1|callId/);

    // Umeå's admin: Umeå's refusal (no call id) and its call as a bare fact, nothing of Vännäs.
    expect(seen(principal('municipality-admin', UMEA))).toEqual([
      expect.objectContaining({
        type: 'dialling.refused',
        municipalityId: UMEA,
        kind: 'callback',
        class: 'international-nordic',
      }),
      { seq: expect.any(String), at: expect.any(Number), type: 'call.queued', municipalityId: UMEA },
    ]);
    expect(JSON.stringify(seen(principal('municipality-admin', UMEA)))).not.toMatch(/u1|u2|4722334455/);
  });

  it('gives roles that read calls every dialling event whole (with the call id); none carries the dialled number', async () => {
    const stream = await streamOfDiallingEvents();
    for (const role of ['region-admin', 'operator', 'auditor'] as const) {
      const dialling = stream
        .map((event) => eventFor(principal(role), event))
        .filter((event) => event?.type.startsWith('dialling.'));
      expect(dialling, role).toHaveLength(3);
      expect(dialling[0], role).toMatchObject({
        type: 'dialling.refused',
        municipalityId: VANNAS,
        kind: 'transfer',
        class: 'premium',
        callId: 'v1',
      });
    }
    expect(JSON.stringify(stream)).not.toMatch(/9001234567|0900|4722334455/);
  });
});
