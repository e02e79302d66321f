import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED, DEFAULT_DIAL_POLICY } from '../../src/dialling/dial-policy.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS, adminApp, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const defaults = { allow: DEFAULT_DIAL_POLICY.allow, extensionDailyCap: DEFAULT_DIAL_POLICY.extensionDailyCap };
const path = (m: string) => `/api/v1/dial-policies/${m}`;

describe('/api/v1/dial-policies', () => {
  it('shows the default policy at version 0 until one is stored', async () => {
    const seeded = await app.send('GET', path(VANNAS));
    expect(seeded.status).toBe(200);
    expect(seeded.headers.get('etag')).toBe('"0"');
    expect(seeded.body).toEqual({ id: VANNAS, version: 0, municipalityId: VANNAS, ...defaults });
    expect((await app.send('GET', '/api/v1/dial-policies/9999')).status).toBe(404);
  });

  it('stores a change based on the default (If-Match "0") as version 1, audited, and a second create is 409', async () => {
    const allow = { ...DEFAULT_DIAL_POLICY.allow, transfer: [...DEFAULT_ALLOWED, 'premium'] };
    const changed = await app.send('PATCH', path(VANNAS), {
      body: { allow, extensionDailyCap: { calls: 50, minutes: 120 } },
      ifMatch: '"0"',
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toEqual({
      id: VANNAS,
      version: 1,
      municipalityId: VANNAS,
      allow,
      extensionDailyCap: { calls: 50, minutes: 120 },
    });
    const [entry] = ((await ctx.redis.xRange(ctx.k.audit(VANNAS), '-', '+')) ?? []).map((e) => e.message);
    expect(entry).toMatchObject({ action: 'create', objectType: 'dial-policy', objectId: VANNAS });
    // Umeå keeps the default.
    expect((await app.send('GET', path(UMEA))).body).toMatchObject({ version: 0, ...defaults });
    const again = await app.send('POST', '/api/v1/dial-policies', { body: { municipalityId: VANNAS, ...defaults } });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('dial-policy_exists');
  });

  it.each([
    [
      'body.allow.transfer[2]',
      { allow: { ...DEFAULT_DIAL_POLICY.allow, transfer: ['mobile', 'premium', 'mobile'] } },
      'mobile is also at [0]',
    ],
    ['body.allow.callback[0]', { allow: { ...DEFAULT_DIAL_POLICY.allow, callback: ['emergency'] } }, ''],
    ['body.allow.forwarded[0]', { allow: { ...DEFAULT_DIAL_POLICY.allow, forwarded: ['invalid'] } }, ''],
    ['body.allow.forwarded', { allow: { extension: [], transfer: [], callback: [] } }, ''],
    ['body.allow.operator', { allow: { ...DEFAULT_DIAL_POLICY.allow, operator: [] } }, 'is not a known field'],
    ['body.extensionDailyCap.calls', { extensionDailyCap: { calls: 0, minutes: 10 } }, ''],
    ['body.extensionDailyCap.minutes', { extensionDailyCap: { calls: 10, minutes: 100_001 } }, ''],
    ['body.extensionDailyCap.calls', { extensionDailyCap: { calls: 2.5, minutes: 10 } }, 'whole number'],
    ['body.municipalityId', { municipalityId: UMEA }, 'cannot be changed'],
  ])('refuses a change with 400 naming %s, changing nothing', async (field, change, problem) => {
    const before = await snapshot(ctx);
    const { status, body } = await app.send('PATCH', path(VANNAS), { body: change, ifMatch: '"0"' });
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.error?.details?.map((d) => d.field)).toContain(field);
    expect(body.error?.message).toContain(problem);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('lets a municipality admin read and change their own policy only', async () => {
    const vannasAdmin = await app.t.tokenFor('municipality-admin', VANNAS);
    expect((await app.send('GET', path(VANNAS), { auth: vannasAdmin })).status).toBe(200);
    expect(
      (
        await app.send('PATCH', path(VANNAS), {
          auth: vannasAdmin,
          body: { extensionDailyCap: { calls: 10, minutes: 10 } },
          ifMatch: '"0"',
        })
      ).status,
    ).toBe(200);
    const other = await app.send('PATCH', path(UMEA), {
      auth: vannasAdmin,
      body: { extensionDailyCap: { calls: 10, minutes: 10 } },
      ifMatch: '"0"',
    });
    expect(other.status).toBe(403);
    expect(other.body.error?.code).toBe('other_municipality');
  });

  it('applies to the next decision at once (the guard reads the stored policy)', async () => {
    expect(await app.t.dialling.decide(VANNAS, 'forwarded', '+47 22 33 44 55')).toMatchObject({
      allowed: false,
      class: 'international-nordic',
    });
    const allow = { ...DEFAULT_DIAL_POLICY.allow, forwarded: [...DEFAULT_ALLOWED, 'international-nordic'] };
    expect((await app.send('PATCH', path(VANNAS), { body: { allow }, ifMatch: '"0"' })).status).toBe(200);
    expect(await app.t.dialling.decide(VANNAS, 'forwarded', '+47 22 33 44 55')).toMatchObject({
      allowed: true,
      class: 'international-nordic',
    });
  });
});
