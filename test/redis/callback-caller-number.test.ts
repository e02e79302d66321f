import { describe, expect, it } from 'vitest';
import { createCallbackStore } from '../../src/calls/callbacks/callback-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { UMEA, caller, useRedis } from '../support/redis.js';
import { testDialling } from '../support/dialling.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

describe('call-back to the caller’s own number', () => {
  it('is refused, naming body.number, when the caller’s number cannot be dialled; a number given books it', async () => {
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    const callbacks = createCallbackStore(ctx.redis, ctx.k, testDialling(ctx).guard, mediaIds);
    for (const [id, from] of [
      ['hidden', 'anonymous'],
      ['unreadable', '12'],
      ['internal', '2480123'],
    ] as const) {
      await queue.enqueue({ ...caller(id, UMEA), caller: from });
      await expect(callbacks.book({ callId: id }), from).rejects.toMatchObject({
        status: 400,
        details: [{ field: 'body.number', problem: `is needed: the caller's number (${from}) cannot be called back` }],
      });
      // Nothing booked: the call still waits in its place.
      expect(await queue.get(id)).toMatchObject({ state: 'waiting' });
      expect(await queue.get(`${id}-cb`)).toBeNull();
    }
    expect((await callbacks.book({ callId: 'hidden', number: '+46701234567' })).callback).toMatchObject({
      callId: 'hidden-cb',
      caller: '+46701234567',
    });

    await queue.enqueue(caller('citizen', UMEA));
    expect((await callbacks.book({ callId: 'citizen' })).callback).toMatchObject({ caller: '+46701234567' });
    // An unknown call is still the script's 404.
    await expect(callbacks.book({ callId: 'nobody' })).rejects.toMatchObject({ status: 404, code: 'call_not_found' });
  });
});
