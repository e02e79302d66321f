import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import { DEFAULT_ALLOWED, DEFAULT_DIAL_POLICY } from '../../src/dialling/dial-policy.js';
import { useRedis } from '../support/redis.js';
import { PASSWORD, UMEA, VANNAS, adminApp, setupActor, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const toQueue = { number: '0935-141 50', municipalityId: VANNAS, target: { kind: 'queue' } };
const extension = (number: string) => ({
  extension: number,
  displayName: `Ext ${number}`,
  municipalityId: VANNAS,
  password: PASSWORD,
});

describe('numbers', () => {
  it.each([
    [{ kind: 'queue' }, { kind: 'queue' }],
    [
      { kind: 'external', number: '070-123 45 67' },
      { kind: 'external', number: '+46701234567' },
    ],
    [
      { kind: 'extension', extension: '2460123' },
      { kind: 'extension', extension: '2460123' },
    ],
  ])('routes a direct-dial number to %j', async (target, stored) => {
    await app.send('POST', '/api/v1/extensions', { body: extension('2460123') });
    const { status, body } = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target } });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body).toEqual({
      id: expect.any(String),
      version: 1,
      number: '+4693514150',
      numberDisplay: '0935-141 50',
      municipalityId: VANNAS,
      target: stored,
    });
  });

  it('reads the number in any Swedish notation and holds it once, whichever way it is written again (409)', async () => {
    expect((await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number: '0935-14150' } })).status).toBe(
      201,
    );
    for (const written of ['+46 935 141 50', '0046935 141 50', '093514150']) {
      const { status, body } = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number: written } });
      expect(status).toBe(409);
      expect(body.error?.message).toBe('body.number: 0935-141 50 is already held by number 0935-141 50');
    }
  });

  it('refuses a number that an extension holds as its direct number (409), across resource types', async () => {
    await app.send('POST', '/api/v1/extensions', {
      body: { ...extension('2460123'), displayName: 'Anna Berg', directNumber: '0935-141 50' },
    });
    const { status, body } = await app.send('POST', '/api/v1/numbers', { body: toQueue });
    expect(status).toBe(409);
    expect(body.error).toMatchObject({
      code: 'claim_taken',
      message: 'body.number: 0935-141 50 is already held by extension 2460123 (Anna Berg)',
    });
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
    [
      { target: { kind: 'extension', extension: '2480123' } },
      'body.target.extension',
      "2480123 is not in Vännäs's extension ranges",
    ],
    [{ target: { kind: 'external', number: 'nej' } }, 'body.target.number', 'is not a'],
    [
      { target: { kind: 'external', number: '0935-141 99' } },
      'body.target.number',
      "0935-141 99 is the region's own number (Vännäs)",
    ],
    [
      { target: { kind: 'external', number: '090-16 10 00' } },
      'body.target.number',
      "the region's own number (the main number of Umeå",
    ],
  ])('refuses %j with 400 naming %s, storing nothing', async (change, field, problem) => {
    const before = await snapshot(ctx);
    const { status, body } = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, ...change } });
    expect(status).toBe(400);
    expect(body.error?.details?.map((d) => d.field)).toEqual([field]);
    expect(body.error?.message).toContain(problem);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('refuses a field it does not know', async () => {
    const { status, body } = await app.send('POST', '/api/v1/numbers', {
      body: { ...toQueue, target: { kind: 'queue', extension: '2460123' } },
    });
    expect(status).toBe(400);
    expect(body.error?.message).toMatch(/body\.target.*extension/);
  });

  describe('routed to an extension', () => {
    it('needs the extension to exist (409 until it does)', async () => {
      const target = { kind: 'extension', extension: '2460123' };
      const missing = await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target } });
      expect(missing.status).toBe(409);
      expect(missing.body.error).toMatchObject({
        code: 'reference_missing',
        message: 'body.target.extension: no extension 2460123 exists',
      });
      await app.send('POST', '/api/v1/extensions', { body: extension('2460123') });
      expect((await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, target } })).status).toBe(201);
    });

    it('keeps the extension from being deleted or renumbered under it, until the number routes elsewhere', async () => {
      const ext = (
        await app.send('POST', '/api/v1/extensions', { body: { ...extension('2460123'), displayName: 'Anna Berg' } })
      ).body;
      const num = (
        await app.send('POST', '/api/v1/numbers', {
          body: { ...toQueue, target: { kind: 'extension', extension: '2460123' } },
        })
      ).body;
      const before = await snapshot(ctx);

      const deleting = await app.send('DELETE', `/api/v1/extensions/${ext.id}`, { ifMatch: '"1"' });
      expect(deleting.status).toBe(409);
      expect(deleting.body.error).toMatchObject({
        code: 'claim_in_use',
        message: 'extension 2460123 (Anna Berg) cannot be deleted while number 0935-141 50 points at it',
      });
      const renumbering = await app.send('PATCH', `/api/v1/extensions/${ext.id}`, {
        body: { extension: '2460124', password: PASSWORD },
        ifMatch: '"1"',
      });
      expect(renumbering.status).toBe(409);
      expect(renumbering.body.error?.message).toBe(
        'body.extension: extension 2460123 cannot change while number 0935-141 50 points at it',
      );
      expect(await snapshot(ctx)).toEqual(before);

      // Renaming keeps the number, so it is allowed.
      expect(
        (
          await app.send('PATCH', `/api/v1/extensions/${ext.id}`, {
            body: { displayName: 'Anna Lind' },
            ifMatch: '"1"',
          })
        ).status,
      ).toBe(200);
      expect(
        (await app.send('PATCH', `/api/v1/numbers/${num.id}`, { body: { target: { kind: 'queue' } }, ifMatch: '"1"' }))
          .status,
      ).toBe(200);
      expect((await app.send('DELETE', `/api/v1/extensions/${ext.id}`, { ifMatch: '"2"' })).status).toBe(204);
      expect(await ctx.redis.keys(`${ctx.k.prefix}:claim-refs:*`)).toEqual([]);
    });
  });

  it('moves its claim when the number changes: the old number is free, the new one held', async () => {
    const { body } = await app.send('POST', '/api/v1/numbers', { body: toQueue });
    const moved = await app.send('PATCH', `/api/v1/numbers/${body.id}`, {
      body: { number: '0935-141 51' },
      ifMatch: '"1"',
    });
    expect(moved.body).toMatchObject({ version: 2, number: '+4693514151', target: { kind: 'queue' } });
    expect((await app.send('POST', '/api/v1/numbers', { body: toQueue })).status).toBe(201);
    expect((await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number: '0935-141 51' } })).status).toBe(
      409,
    );
  });

  it('refuses a main number that lies inside a direct-dial range: the region config holds it (409)', async () => {
    // The shipped config keeps main numbers outside the ranges; a config may put one inside its own range.
    const region = structuredClone(app.t.region);
    const vannas = region.municipalities.find((m) => m.id === VANNAS)!;
    vannas.directDialRanges = [{ from: '+4693514100', to: '+4693514999' }];
    const { numbers } = createAdminStores(ctx.redis, ctx.k, app.t.audit, region);
    await expect(
      numbers.create({ number: '+4693514100', municipalityId: VANNAS, target: { kind: 'queue' } }, setupActor),
    ).rejects.toMatchObject({
      status: 409,
      code: 'claim_taken',
      message: 'body.number: 0935-141 00 is already the main number of Vännäs (config/region.yaml)',
    });
  });

  describe('forwarded to an external number: the dial policy decides', () => {
    const external = (number: string) => ({ ...toQueue, target: { kind: 'external', number } });
    const allowForwarded = (extra: string) =>
      app.send('PATCH', `/api/v1/dial-policies/${VANNAS}`, {
        body: { allow: { ...DEFAULT_DIAL_POLICY.allow, forwarded: [...DEFAULT_ALLOWED, extra] } },
        ifMatch: '"0"',
      });

    it.each([
      ['+881 6 1234 5678', 'satellite'],
      ['0900-123 45 67', 'premium'],
      ['+1 202 555 0123', 'international-other'],
    ])(
      'refuses a target %s (%s) with 409 dialling_denied naming body.target.number and the class, storing nothing',
      async (number, cls) => {
        const before = await snapshot(ctx);
        const { status, body } = await app.send('POST', '/api/v1/numbers', { body: external(number) });
        expect(status).toBe(409);
        expect(body.error).toEqual({
          code: 'dialling_denied',
          message: `${cls} numbers may not be dialled for forwarded calls (dial policy of Vännäs)`,
          details: [
            {
              field: 'body.target.number',
              problem: expect.stringContaining(
                `${cls} number, not allowed for forwarded calls by the dial policy of Vännäs`,
              ),
              class: cls,
            },
          ],
        });
        // A refused admin change is no dialling: nothing stored, no event.
        expect(await snapshot(ctx)).toEqual(before);
      },
    );

    it('takes the target once the municipality’s policy allows the class; changing the policy back leaves the number stored', async () => {
      expect((await allowForwarded('satellite')).status).toBe(200);
      const created = await app.send('POST', '/api/v1/numbers', { body: external('+881 6 1234 5678') });
      expect(created.status).toBe(201);
      expect(
        (
          await app.send('PATCH', `/api/v1/dial-policies/${VANNAS}`, {
            body: { allow: DEFAULT_DIAL_POLICY.allow },
            ifMatch: '"1"',
          })
        ).status,
      ).toBe(200);
      expect((await app.send('GET', `/api/v1/numbers/${created.body.id}`)).body).toMatchObject({
        version: 1,
        target: { kind: 'external', number: '+881612345678' },
      });
      // Its next change is judged again, like the ranges: keeping a target the policy now refuses is refused.
      const renumbered = await app.send('PATCH', `/api/v1/numbers/${created.body.id}`, {
        body: { number: '0935-141 51' },
        ifMatch: '"1"',
      });
      expect(renumbered.status).toBe(409);
      expect(renumbered.body.error?.details).toEqual([
        expect.objectContaining({ field: 'body.target.number', class: 'satellite' }),
      ]);
      expect(
        (
          await app.send('PATCH', `/api/v1/numbers/${created.body.id}`, {
            body: { number: '0935-141 51', target: { kind: 'queue' } },
            ifMatch: '"1"',
          })
        ).status,
      ).toBe(200);
    });

    it('refuses a change of target the policy does not allow (409), after the store’s own 404, 412 and 400', async () => {
      const { body: stored } = await app.send('POST', '/api/v1/numbers', { body: external('070-123 45 67') });
      const premium = { target: { kind: 'external', number: '0900-123 45 67' } };
      expect(
        (await app.send('PATCH', `/api/v1/numbers/${stored.id}`, { body: premium, ifMatch: '"1"' })).body.error?.code,
      ).toBe('dialling_denied');
      expect((await app.send('PATCH', `/api/v1/numbers/${stored.id}`, { body: premium, ifMatch: '"7"' })).status).toBe(
        412,
      );
      expect(
        (await app.send('PATCH', '/api/v1/numbers/0123456789abcdef', { body: premium, ifMatch: '"1"' })).status,
      ).toBe(404);
      expect(
        (
          await app.send('PATCH', `/api/v1/numbers/${stored.id}`, {
            body: { ...premium, number: '0935-1' },
            ifMatch: '"1"',
          })
        ).status,
      ).toBe(400);
      // Another municipality's admin is refused for what they are, not told the policy.
      const umeaAdmin = await app.t.tokenFor('municipality-admin', UMEA);
      expect(
        (await app.send('POST', '/api/v1/numbers', { auth: umeaAdmin, body: external('0900-123 45 67') })).body.error
          ?.code,
      ).toBe('other_municipality');
      expect((await app.send('GET', `/api/v1/numbers/${stored.id}`)).body).toMatchObject({
        version: 1,
        target: { number: '+46701234567' },
      });
    });

    it('lists a refused target in an import as a row problem, beside the rows’ other problems, whether a dry run or not', async () => {
      const rows = [
        {
          input: {
            number: '+4693514150',
            municipalityId: VANNAS,
            target: { kind: 'external' as const, number: '+46701234567' },
          },
        },
        {
          input: {
            number: '+4693514151',
            municipalityId: VANNAS,
            target: { kind: 'external' as const, number: '+881612345678' },
          },
        },
      ];
      const before = await snapshot(ctx);
      for (const dryRun of [true, false]) {
        await expect(
          app.t.admin.numbers.bulkWrite(VANNAS, rows, 'upsert', setupActor, { dryRun }),
        ).rejects.toMatchObject({
          status: 409,
          code: 'import_conflicts',
          details: [
            {
              row: 1,
              field: 'target.number',
              problem: 'is a satellite number, not allowed for forwarded calls by the dial policy of Vännäs',
            },
          ],
        });
      }
      // A row wrong in itself makes it a 400 that lists the policy's refusal too.
      const withBadRow = [
        ...rows,
        { input: { number: '+4690161000', municipalityId: VANNAS, target: { kind: 'queue' as const } } },
      ];
      const refused = await app.t.admin.numbers
        .bulkWrite(VANNAS, withBadRow, 'upsert', setupActor)
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ status: 400, code: 'invalid_rows' });
      expect(
        (refused as { details: { row: number; field: string }[] }).details.map((p) => `${p.row} ${p.field}`),
      ).toEqual(['1 target.number', '2 number']);
      expect(await snapshot(ctx)).toEqual(before);
      expect((await app.t.admin.numbers.bulkWrite(VANNAS, rows.slice(0, 1), 'upsert', setupActor)).created).toBe(1);
    });
  });

  it('lists one municipality’s numbers, or all, in number order', async () => {
    for (const number of ['0935-141 52', '0935-141 50', '0935-141 51'])
      await app.send('POST', '/api/v1/numbers', { body: { ...toQueue, number } });
    await app.send('POST', '/api/v1/numbers', {
      body: { number: '090-16 20 00', municipalityId: UMEA, target: { kind: 'queue' } },
    });
    const shown = async (query: string) =>
      ((await app.send('GET', `/api/v1/numbers${query}`)).body.numbers as { numberDisplay: string }[]).map(
        (n) => n.numberDisplay,
      );
    expect(await shown(`?municipality=${VANNAS}`)).toEqual(['0935-141 50', '0935-141 51', '0935-141 52']);
    expect(await shown(`?municipality=${UMEA}`)).toEqual(['090-16 20 00']);
    expect(await shown('')).toHaveLength(4);
  });
});
