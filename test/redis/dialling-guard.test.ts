import { afterEach, describe, expect, it, vi } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { DEFAULT_ALLOWED, DEFAULT_DIAL_POLICY } from '../../src/dialling/dial-policy.js';
import { log } from '../../src/log.js';
import { testDialling } from '../support/dialling.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

const ctx = useRedis();
const setup = localActor('test setup');

/** The events in the stream, oldest first, as their fields. */
async function events(): Promise<Record<string, string>[]> {
  return ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? []).map((entry) => entry.message);
}

/** A clock the test moves: starts on a Tuesday 10:00 in Stockholm. */
function clock(start = '2026-11-24T10:00:00+01:00') {
  let at = Date.parse(start);
  return { now: () => at, set: (iso: string) => (at = Date.parse(iso)) };
}

afterEach(() => vi.restoreAllMocks());

describe('the dialling guard: decisions', () => {
  it('decides under the default policy until one is stored, then under the stored one at once', async () => {
    const { guard, policies } = testDialling(ctx);
    expect(await guard.decide(VANNAS, 'transfer', '0900-123 45 67')).toMatchObject({
      allowed: false,
      class: 'premium',
    });
    await policies.create(
      {
        municipalityId: VANNAS,
        allow: { ...DEFAULT_DIAL_POLICY.allow, transfer: [...DEFAULT_ALLOWED, 'premium'] },
        extensionDailyCap: DEFAULT_DIAL_POLICY.extensionDailyCap,
      },
      setup,
    );
    expect(await guard.decide(VANNAS, 'transfer', '0900-123 45 67')).toEqual({
      allowed: true,
      class: 'premium',
      dial: '+469001234567',
    });
    // Another municipality's policy is its own.
    expect(await guard.decide(UMEA, 'transfer', '0900-123 45 67')).toMatchObject({ allowed: false });
    // The region's own area codes make a Vindeln number regional.
    expect(await guard.decide(UMEA, 'extension', '0933-140 00')).toMatchObject({ allowed: true, class: 'regional' });
  });

  it('records a refusal: a dialling.refused event and an info line, neither with the number; debug has it', async () => {
    const { guard } = testDialling(ctx);
    const info = vi.spyOn(log, 'info');
    const debug = vi.spyOn(log, 'debug');
    await guard.decide(VANNAS, 'callback', '+1 202 555 0123', { callId: 'c1' });
    await guard.decide(VANNAS, 'extension', '+881 6 1234 5678', { extension: '2460100' });
    expect(await events()).toEqual([
      {
        type: 'dialling.refused',
        municipalityId: VANNAS,
        kind: 'callback',
        class: 'international-other',
        callId: 'c1',
      },
      { type: 'dialling.refused', municipalityId: VANNAS, kind: 'extension', class: 'satellite', extension: '2460100' },
    ]);
    expect(info).toHaveBeenCalledWith(
      { municipalityId: VANNAS, kind: 'callback', class: 'international-other', callId: 'c1' },
      'dialling refused by the dial policy',
    );
    expect(JSON.stringify(info.mock.calls)).not.toMatch(/2025550123|881612345678/);
    expect(debug).toHaveBeenCalledWith(
      expect.objectContaining({ callId: 'c1', dialled: '+1 202 555 0123' }),
      'dialling refused: the number',
    );
    // What is allowed is not recorded.
    await guard.decide(VANNAS, 'callback', '070-123 45 67', { callId: 'c2' });
    expect(await events()).toHaveLength(2);
  });

  it('assertAllowed answers the class and what to dial, or throws dialling_denied naming the field and the class', async () => {
    const { guard } = testDialling(ctx);
    expect(
      await guard.assertAllowed(VANNAS, 'forwarded', '0771-567 567', { status: 409, field: 'body.target.number' }),
    ).toEqual({ class: 'shared-cost', dial: '+46771567567' });
    await expect(
      guard.assertAllowed(UMEA, 'transfer', '0939-123 456', { status: 403, field: 'body.number' }, { callId: 'c9' }),
    ).rejects.toMatchObject({
      status: 403,
      code: 'dialling_denied',
      message: 'premium numbers may not be dialled for transfer calls (dial policy of Umeå)',
      details: [
        {
          field: 'body.number',
          class: 'premium',
          problem: 'is a premium number, not allowed for transfer calls by the dial policy of Umeå',
        },
      ],
    });
    expect(await events()).toEqual([
      { type: 'dialling.refused', municipalityId: UMEA, kind: 'transfer', class: 'premium', callId: 'c9' },
    ]);
  });
});

describe('the dialling guard: daily cap per extension', () => {
  const capped = async (calls: number, minutes: number) => {
    const time = clock();
    const { guard, policies } = testDialling(ctx, { now: time.now });
    await policies.create(
      { municipalityId: VANNAS, allow: DEFAULT_DIAL_POLICY.allow, extensionDailyCap: { calls, minutes } },
      setup,
    );
    return { guard, time };
  };

  it('admits calls up to the cap, then refuses them with one dialling.cap-reached event and one warning that day', async () => {
    const { guard } = await capped(3, 1000);
    const warn = vi.spyOn(log, 'warn');
    for (let i = 0; i < 3; i++) expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: true });
    for (let i = 0; i < 3; i++)
      expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: false, limit: 'calls' });
    expect(await events()).toEqual([
      {
        type: 'dialling.cap-reached',
        municipalityId: VANNAS,
        extension: '2460100',
        limit: 'calls',
        cap: '3',
        used: '3',
      },
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { municipalityId: VANNAS, extension: '2460100', limit: 'calls', cap: 3 },
      expect.stringContaining('daily cap'),
    );
    // Another extension has its own count.
    expect(await guard.admitExtensionCall(VANNAS, '2460101')).toEqual({ admitted: true });
  });

  it('counts the minutes of ended calls, each rounded up, and refuses once they reach the cap', async () => {
    const { guard } = await capped(100, 3);
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: true });
    await guard.recordExtensionCallEnded(VANNAS, '2460100', 61); // 2 minutes
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: true });
    await guard.recordExtensionCallEnded(VANNAS, '2460100', 1); // 1 minute: 3 in all
    await guard.recordExtensionCallEnded(VANNAS, '2460100', 0); // never answered: nothing
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: false, limit: 'minutes' });
    expect(await events()).toEqual([
      {
        type: 'dialling.cap-reached',
        municipalityId: VANNAS,
        extension: '2460100',
        limit: 'minutes',
        cap: '3',
        used: '3',
      },
    ]);
  });

  it('starts afresh at local midnight (Europe/Stockholm), and forgets a day two days later', async () => {
    const { guard, time } = await capped(1, 1000);
    time.set('2026-11-24T23:59:00+01:00');
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: true });
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: false, limit: 'calls' });
    const day = ctx.k.dialCap('2460100', '2026-11-24');
    expect(await ctx.redis.hGetAll(day)).toEqual({ calls: '1', capReached: 'calls' });
    const ttl = await ctx.redis.ttl(day);
    expect(ttl).toBeGreaterThan(2 * 86400 - 60);
    expect(ttl).toBeLessThanOrEqual(2 * 86400);
    // 00:00:30 local time is a new day, though still the 24th in UTC.
    time.set('2026-11-24T23:00:30Z');
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: true });
    expect(await ctx.redis.hGet(ctx.k.dialCap('2460100', '2026-11-25'), 'calls')).toBe('1');
  });

  it('counts a call’s minutes to the day its talk began: a call from 23:58 ending after midnight counts for the day before', async () => {
    const { guard, time } = await capped(100, 5);
    time.set('2026-11-24T23:58:00+01:00');
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: true });
    time.set('2026-11-25T00:03:00+01:00');
    await guard.recordExtensionCallEnded(VANNAS, '2460100', 300);
    expect(await ctx.redis.hGetAll(ctx.k.dialCap('2460100', '2026-11-24'))).toEqual({ calls: '1', minutes: '5' });
    // The new day is untouched: its calls are admitted.
    expect(await ctx.redis.exists(ctx.k.dialCap('2460100', '2026-11-25'))).toBe(0);
    expect(await guard.admitExtensionCall(VANNAS, '2460100')).toEqual({ admitted: true });
  });
});
