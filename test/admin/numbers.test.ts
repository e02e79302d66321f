import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import { useRedis } from '../support/redis.js';
import { PASSWORD, UMEA, VANNAS, adminApp, setupActor, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const toQueue = { number: '0935-141 50', municipalityId: VANNAS, target: { kind: 'queue' } };
const extension = (number: string) => ({ extension: number, displayName: `Ext ${number}`, municipalityId: VANNAS, password: PASSWORD });

describe('numbers', () => {
  it.each([
    [{ kind: 'queue' }, { kind: 'queue' }],
    [{ kind: 'external', number: '070-123 45 67' }, { kind: 'external', number: '+46701234567' }],
    [{ kind: 'extension', extension: '2460123' }, { kind: 'extension', extension: '2460123' }],
  ])('routes a direct-dial number to %j', async (target, stored) => {
    await app.send('POST', '/api/v1/extensions', { body: extension('2460123') });
    const { status, body } = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target } });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body).toEqual({ id: expect.any(String), version: 1, number: '+4693514150', numberDisplay: '0935-141 50', municipalityId: VANNAS, target: stored });
  });

  it('reads the number in any Swedish notation and holds it once, whichever way it is written again (409)', async () => {
    expect((await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number: '0935-14150' } })).status).toBe(201);
    for (const written of ['+46 935 141 50', '0046935 141 50', '093514150']) {
      const { status, body } = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number: written } });
      expect(status).toBe(409);
      expect(body.error?.message).toBe('body.number: 0935-141 50 is already held by number 0935-141 50');
    }
  });

  it('refuses a number that an extension holds as its direct number (409), across resource types', async () => {
    await app.send('POST', '/api/v1/extensions', { body: { ...extension('2460123'), displayName: 'Anna Berg', directNumber: '0935-141 50' } });
    const { status, body } = await app.send('POST', '/api/v1/numbers', { body: toQueue });
    expect(status).toBe(409);
    expect(body.error).toMatchObject({ code: 'claim_taken', message: 'body.number: 0935-141 50 is already held by extension 2460123 (Anna Berg)' });
  });

  it.each([
    [{ number: '0935-141' }, 'body.number', 'is not a valid phone number'],
    [{ number: 12345 }, 'body.number', ''],
    [{ number: '090-16 12 34' }, 'body.number', "090-16 12 34 is not in Vännäs's direct-dial ranges"],
    [{ number: '0935-141 00' }, 'body.number', 'is not in Vännäs'],
    [{ municipalityId: '9999' }, 'body.municipalityId', 'not a member municipality'],
    [{ target: undefined }, 'body.target', ''],
    [{ target: { kind: 'voicemail' } }, 'body.target.kind', ''],
    [{ target: { kind: 'extension' } }, 'body.target.extension', ''],
    [{ target: { kind: 'extension', extension: '2480123' } }, 'body.target.extension', "2480123 is not in Vännäs's extension ranges"],
    [{ target: { kind: 'external', number: 'nej' } }, 'body.target.number', 'is not a'],
    [{ target: { kind: 'external', number: '0935-141 99' } }, 'body.target.number', "0935-141 99 is the region's own number (Vännäs)"],
    [{ target: { kind: 'external', number: '090-16 10 00' } }, 'body.target.number', "the region's own number (the main number of Umeå"],
  ])('refuses %j with 400 naming %s, storing nothing', async (change, field, problem) => {
    const before = await snapshot(ctx);
    const { status, body } = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, ...change } });
    expect(status).toBe(400);
    expect(body.error?.details?.map((d) => d.field)).toEqual([field]);
    expect(body.error?.message).toContain(problem);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('refuses a field it does not know', async () => {
    const { status, body } = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target: { kind: 'queue', extension: '2460123' } } });
    expect(status).toBe(400);
    expect(body.error?.message).toMatch(/body\.target.*extension/);
  });

  describe('routed to an extension', () => {
    it('needs the extension to exist (409 until it does)', async () => {
      const target = { kind: 'extension', extension: '2460123' };
      const missing = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target } });
      expect(missing.status).toBe(409);
      expect(missing.body.error).toMatchObject({ code: 'reference_missing', message: 'body.target.extension: no extension 2460123 exists' });
      await app.send('POST', '/api/v1/extensions', { body: extension('2460123') });
      expect((await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target } })).status).toBe(201);
    });

    it('keeps the extension from being deleted or renumbered under it, until the number routes elsewhere', async () => {
      const ext = (await app.send('POST', '/api/v1/extensions', { body: { ...extension('2460123'), displayName: 'Anna Berg' } })).body;
      const num = (await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target: { kind: 'extension', extension: '2460123' } } })).body;
      const before = await snapshot(ctx);

      const deleting = await app.send('DELETE', `/api/v1/extensions/${ext.id}`, { ifMatch: '"1"' });
      expect(deleting.status).toBe(409);
      expect(deleting.body.error).toMatchObject({ code: 'claim_in_use', message: 'extension 2460123 (Anna Berg) cannot be deleted while number 0935-141 50 points at it' });
      const renumbering = await app.send('PATCH', `/api/v1/extensions/${ext.id}`, { body: { extension: '2460124', password: PASSWORD }, ifMatch: '"1"' });
      expect(renumbering.status).toBe(409);
      expect(renumbering.body.error?.message).toBe('body.extension: extension 2460123 cannot change while number 0935-141 50 points at it');
      expect(await snapshot(ctx)).toEqual(before);

      // Renaming keeps the number, so it is allowed.
      expect((await app.send('PATCH', `/api/v1/extensions/${ext.id}`, { body: { displayName: 'Anna Lind' }, ifMatch: '"1"' })).status).toBe(200);
      expect((await app.send('PATCH', `/api/v1/numbers/${num.id}`, { body: { target: { kind: 'queue' } }, ifMatch: '"1"' })).status).toBe(200);
      expect((await app.send('DELETE', `/api/v1/extensions/${ext.id}`, { ifMatch: '"2"' })).status).toBe(204);
      expect(await ctx.redis.keys(`${ctx.k.prefix}:claim-refs:*`)).toEqual([]);
    });
  });

  it('moves its claim when the number changes: the old number is free, the new one held', async () => {
    const { body } = await app.send('POST', '/api/v1/numbers', { body: toQueue });
    const moved = await app.send('PATCH', `/api/v1/numbers/${body.id}`, { body: { number: '0935-141 51' }, ifMatch: '"1"' });
    expect(moved.body).toMatchObject({ version: 2, number: '+4693514151', target: { kind: 'queue' } });
    expect((await app.send('POST', '/api/v1/numbers', { body: toQueue })).status).toBe(201);
    expect((await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number: '0935-141 51' } })).status).toBe(409);
  });

  it('refuses a main number that lies inside a direct-dial range: the region config holds it (409)', async () => {
    // The shipped config keeps main numbers outside the ranges; a config may put one inside its own range.
    const region = structuredClone(app.t.region);
    const vannas = region.municipalities.find((m) => m.id === VANNAS)!;
    vannas.directDialRanges = [{ from: '+4693514100', to: '+4693514999' }];
    const { numbers } = createAdminStores(ctx.redis, ctx.k, app.t.audit, region);
    await expect(numbers.create({ number: '+4693514100', municipalityId: VANNAS, target: { kind: 'queue' } }, setupActor)).rejects.toMatchObject({
      status: 409,
      code: 'claim_taken',
      message: 'body.number: 0935-141 00 is already the main number of Vännäs (config/region.yaml)',
    });
  });

  it('lists one municipality’s numbers, or all, in number order', async () => {
    for (const number of ['0935-141 52', '0935-141 50', '0935-141 51']) await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number } });
    await app.send('POST', '/api/v1/numbers', { body: { number: '090-16 20 00', municipalityId: UMEA, target: { kind: 'queue' } } });
    const shown = async (query: string) => ((await app.send('GET', `/api/v1/numbers${query}`)).body.numbers as { numberDisplay: string }[]).map((n) => n.numberDisplay);
    expect(await shown(`?municipality=${VANNAS}`)).toEqual(['0935-141 50', '0935-141 51', '0935-141 52']);
    expect(await shown(`?municipality=${UMEA}`)).toEqual(['090-16 20 00']);
    expect(await shown('')).toHaveLength(4);
  });
});
