import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { PASSWORD, UMEA, VANNAS, adminApp, setupActor, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
  // The directory entry `anna` links to: directoryEntryId must name an entry of the extension's municipality.
  await app.t.entries.create(
    { kind: 'person', id: 'person-anna', givenName: 'Anna', familyName: 'Berg', municipalityId: VANNAS },
    setupActor,
  );
});

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const anna = {
  extension: '2460123',
  displayName: 'Anna Berg',
  municipalityId: VANNAS,
  directNumber: '0935-141 23',
  directoryEntryId: 'person-anna',
  password: PASSWORD,
};

/** Every string, hash, set and stream of the test's keys as text, to search for what must not be stored. */
async function everythingStored(): Promise<string> {
  const parts: string[] = [];
  for (const key of await ctx.redis.keys(`${ctx.k.prefix}:*`)) {
    const type = await ctx.redis.type(key);
    if (type === 'string') parts.push(key, (await ctx.redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(key, JSON.stringify(await ctx.redis.hGetAll(key)));
    else if (type === 'stream') parts.push(key, JSON.stringify(await ctx.redis.xRange(key, '-', '+')));
    else if (type === 'zset' || type === 'set')
      parts.push(
        key,
        JSON.stringify(type === 'set' ? await ctx.redis.sMembers(key) : await ctx.redis.zRange(key, 0, -1)),
      );
  }
  return parts.join('\n');
}

describe('extensions', () => {
  it('stores the number, name, direct number (E.164) and directory link, and shows the direct number nationally', async () => {
    const { status, body } = await app.send('POST', '/api/v1/extensions', { body: anna });
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      version: 1,
      extension: '2460123',
      displayName: 'Anna Berg',
      municipalityId: VANNAS,
      directNumber: '+4693514123',
      directNumberDisplay: '0935-141 23',
      directoryEntryId: 'person-anna',
    });
    // null removes an optional field, and gives its claim back.
    const changed = await app.send('PATCH', `/api/v1/extensions/${body.id}`, {
      body: { directNumber: null, directoryEntryId: null },
      ifMatch: '"1"',
    });
    expect(changed.body).toEqual({
      id: body.id,
      version: 2,
      extension: '2460123',
      displayName: 'Anna Berg',
      municipalityId: VANNAS,
    });
    expect(
      (
        await app.send('POST', '/api/v1/numbers', {
          body: { number: '0935-141 23', municipalityId: VANNAS, target: { kind: 'queue' } },
        })
      ).status,
    ).toBe(201);
  });

  describe('SIP credentials', () => {
    it('keeps only HA1 = MD5(extension:realm:password) and never shows the password or the digest', async () => {
      const created = await app.send('POST', '/api/v1/extensions', { body: anna });
      const id = created.body.id as string;
      const ha1 = md5(`2460123:regionvaxel:${PASSWORD}`);
      expect(await app.t.admin.extensions.sipCredentials('2460123')).toEqual({
        username: '2460123',
        realm: 'regionvaxel',
        ha1,
      });
      expect(await app.t.admin.extensions.sipCredentials('2460124')).toBeUndefined();

      const newPassword = 'a whole new passphrase';
      const answers = [
        created,
        await app.send('GET', `/api/v1/extensions/${id}`),
        await app.send('GET', '/api/v1/extensions'),
        await app.send('PATCH', `/api/v1/extensions/${id}`, { body: { password: newPassword }, ifMatch: '"1"' }),
        await app.send('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=extension`),
      ];
      const newHa1 = md5(`2460123:regionvaxel:${newPassword}`);
      expect(await app.t.admin.extensions.sipCredentials('2460123')).toEqual({
        username: '2460123',
        realm: 'regionvaxel',
        ha1: newHa1,
      });
      for (const answer of answers) {
        const text = JSON.stringify(answer.body);
        for (const secret of [PASSWORD, newPassword, ha1, newHa1]) expect(text).not.toContain(secret);
        expect(text).not.toMatch(/password|ha1/i);
      }
      // A password change is audited (the version moves on), with nothing secret before or after.
      const entries = answers[4]!.body.entries as { action: string; before?: object; after?: object }[];
      expect(entries.map((e) => e.action)).toEqual(['update', 'create']);
      expect(entries[0]!.before).toEqual({
        version: 1,
        extension: '2460123',
        displayName: 'Anna Berg',
        municipalityId: VANNAS,
        directNumber: '+4693514123',
        directoryEntryId: 'person-anna',
      });

      // Redis holds the digest only, beside the extension and not in it.
      const stored = await everythingStored();
      expect(stored).not.toContain(PASSWORD);
      expect(stored).not.toContain(newPassword);
      expect(stored.split(newHa1)).toHaveLength(2);
      expect(await ctx.redis.get(ctx.k.adminSecret('extension', id))).toBe(newHa1);
    });

    it('needs the password again to renumber (the digest includes the number), then answers for the new number only', async () => {
      const { body } = await app.send('POST', '/api/v1/extensions', { body: anna });
      const before = await snapshot(ctx);
      const refused = await app.send('PATCH', `/api/v1/extensions/${body.id}`, {
        body: { extension: '2460124' },
        ifMatch: '"1"',
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error?.message).toContain('body.password');
      expect(await snapshot(ctx)).toEqual(before);

      expect(
        (
          await app.send('PATCH', `/api/v1/extensions/${body.id}`, {
            body: { extension: '2460124', password: 'renumbered password' },
            ifMatch: '"1"',
          })
        ).status,
      ).toBe(200);
      expect(await app.t.admin.extensions.sipCredentials('2460123')).toBeUndefined();
      expect((await app.t.admin.extensions.sipCredentials('2460124'))?.ha1).toBe(
        md5('2460124:regionvaxel:renumbered password'),
      );
      // The old number is free again.
      expect(
        (
          await app.send('POST', '/api/v1/extensions', {
            body: { ...anna, directNumber: undefined, displayName: 'Bo' },
          })
        ).status,
      ).toBe(201);
    });
  });

  it.each([
    [{ extension: '24601x' }, 'body.extension', 'must be 2 to 8 digits'],
    [{ extension: '2480123' }, 'body.extension', "2480123 is not in Vännäs's extension ranges (2460000–2460999)"],
    [{ extension: '24601' }, 'body.extension', 'is not in Vännäs'],
    [{ displayName: '  ' }, 'body.displayName', 'must not be empty'],
    [{ municipalityId: '246' }, 'body.municipalityId', 'four-digit'],
    [{ municipalityId: '9999' }, 'body.municipalityId', '9999 is not a member municipality'],
    [{ directNumber: 'hello' }, 'body.directNumber', 'is not a'],
    [
      { directNumber: '090-16 12 34' },
      'body.directNumber',
      "090-16 12 34 is not in Vännäs's direct-dial ranges (0935-141 01–0935-149 99)",
    ],
    [{ directNumber: '0935-141 00' }, 'body.directNumber', 'is not in Vännäs'],
    [{ directoryEntryId: 'a b' }, 'body.directoryEntryId', 'must be 1 to 64 letters, digits'],
    [{ password: 'short' }, 'body.password', 'at least 12 characters'],
    [{ password: undefined }, 'body.password', ''],
    [{ extension: undefined }, 'body.extension', ''],
  ])('refuses %j with 400 naming %s, storing nothing', async (change, field, problem) => {
    const before = await snapshot(ctx);
    const { status, body } = await app.send('POST', '/api/v1/extensions', { body: { ...anna, ...change } });
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_request');
    expect(body.error?.details?.map((d) => d.field)).toEqual([field]);
    expect(body.error?.message).toContain(problem);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('refuses a field it does not know, such as a digest sent instead of a password', async () => {
    const { status, body } = await app.send('POST', '/api/v1/extensions', {
      body: { ...anna, ha1: 'c008be01533aa739eb648e92105a1817' },
    });
    expect(status).toBe(400);
    expect(body.error?.message).toMatch(/body.*ha1/);
  });

  it.each([
    [{ municipalityId: UMEA }, 'body.municipalityId', 'cannot be changed'],
    [{ displayName: null }, 'body.displayName', ''],
    [{ extension: '2480123', password: PASSWORD }, 'body.extension', 'is not in Vännäs'],
    [{ password: 'short' }, 'body.password', 'at least 12'],
  ])('refuses the change %j with 400 naming %s', async (change, field, problem) => {
    const { body: created } = await app.send('POST', '/api/v1/extensions', { body: anna });
    const before = await snapshot(ctx);
    const { status, body } = await app.send('PATCH', `/api/v1/extensions/${created.id}`, {
      body: change,
      ifMatch: '"1"',
    });
    expect(status).toBe(400);
    expect(body.error?.details?.map((d) => d.field)).toEqual([field]);
    expect(body.error?.message).toContain(problem);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('refuses an extension number or direct number that another object holds, naming the holder (409)', async () => {
    await app.send('POST', '/api/v1/extensions', { body: anna });
    const sameExtension = await app.send('POST', '/api/v1/extensions', {
      body: { ...anna, directNumber: undefined, displayName: 'Bo' },
    });
    expect(sameExtension.status).toBe(409);
    expect(sameExtension.body.error).toMatchObject({
      code: 'claim_taken',
      message: 'body.extension: extension 2460123 is already held by extension 2460123 (Anna Berg)',
    });

    // Written another way, the direct number is still the same number.
    const sameNumber = await app.send('POST', '/api/v1/extensions', {
      body: { ...anna, extension: '2460200', directNumber: '+46 935 141 23' },
    });
    expect(sameNumber.status).toBe(409);
    expect(sameNumber.body.error?.message).toBe(
      'body.directNumber: 0935-141 23 is already held by extension 2460123 (Anna Berg)',
    );
  });

  it('refuses a direct number that a numbers entry holds (409), across resource types', async () => {
    await app.send('POST', '/api/v1/numbers', {
      body: { number: '0935-141 23', municipalityId: VANNAS, target: { kind: 'queue' } },
    });
    const { status, body } = await app.send('POST', '/api/v1/extensions', { body: anna });
    expect(status).toBe(409);
    expect(body.error?.message).toBe('body.directNumber: 0935-141 23 is already held by number 0935-141 23');
  });

  describe('the link to a directory entry (directoryEntryId)', () => {
    it('must name an entry of the extension’s own municipality (409 reference_missing), checked on import too', async () => {
      const umea = await app.t.entries.create({ kind: 'function', name: 'Växeln', municipalityId: UMEA }, setupActor);
      const before = await snapshot(ctx);
      const missing = await app.send('POST', '/api/v1/extensions', { body: { ...anna, directoryEntryId: 'nobody' } });
      expect(missing).toMatchObject({
        status: 409,
        body: {
          error: {
            code: 'reference_missing',
            details: [{ field: 'body.directoryEntryId', problem: 'no directory entry nobody exists' }],
          },
        },
      });
      const elsewhere = await app.send('POST', '/api/v1/extensions', { body: { ...anna, directoryEntryId: umea.id } });
      expect(elsewhere).toMatchObject({
        status: 409,
        body: {
          error: {
            code: 'reference_missing',
            details: [{ field: 'body.directoryEntryId', problem: expect.stringContaining(`is ${UMEA}'s`) }],
          },
        },
      });
      expect(await snapshot(ctx)).toEqual(before);

      const created = await app.send('POST', '/api/v1/extensions', { body: anna });
      expect(created).toMatchObject({ status: 201, body: { directoryEntryId: 'person-anna' } });
      const relinked = await app.send('PATCH', `/api/v1/extensions/${created.body.id}`, {
        body: { directoryEntryId: umea.id },
        ifMatch: '"1"',
      });
      expect(relinked).toMatchObject({ status: 409, body: { error: { code: 'reference_missing' } } });
    });

    it('keeps the entry from being deleted while linked (409 naming the extensions), and lets it go once unlinked', async () => {
      const first = await app.send('POST', '/api/v1/extensions', { body: anna });
      await app.send('POST', '/api/v1/extensions', {
        body: { ...anna, extension: '2460124', directNumber: undefined, displayName: 'Anna Berg (mobil)' },
      });
      const before = await snapshot(ctx);

      const refused = await app.send('DELETE', '/api/v1/directory/entries/person-anna', { ifMatch: '"1"' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'entry_in_use',
        message:
          'Entry person-anna cannot be deleted while extension 2460123 (Anna Berg), extension 2460124 (Anna Berg (mobil)) link to it: change or remove their directoryEntryId first',
        details: [{ field: 'path.id', problem: expect.stringContaining('extension 2460123 (Anna Berg)') }],
      });
      expect(await snapshot(ctx)).toEqual(before);
      // A directory import replacing the municipality's entries would delete it too.
      await expect(
        app.t.entries.bulkReplace(VANNAS, [{ kind: 'function', name: 'Växeln', municipalityId: VANNAS }], setupActor),
      ).rejects.toMatchObject({
        status: 409,
        code: 'import_conflicts',
        details: [
          {
            row: -1,
            field: 'id',
            problem: expect.stringContaining(
              'entry person-anna (Anna Berg) is not among the rows, so it would be deleted, but it cannot be deleted while extension 2460123',
            ),
          },
        ],
      });
      // A row of the entry that is wrong in itself is only that: the entry is not taken for one to delete.
      await expect(
        app.t.entries.bulkReplace(
          VANNAS,
          [{ kind: 'person', id: 'person-anna', givenName: '', familyName: 'Berg', municipalityId: VANNAS }],
          setupActor,
        ),
      ).rejects.toMatchObject({
        status: 400,
        details: [{ row: 0, field: 'givenName' }],
      });
      expect(await snapshot(ctx)).toEqual(before);

      // Unlinked (or the extension deleted), the entry can go.
      await app.send('PATCH', `/api/v1/extensions/${first.body.id}`, {
        body: { directoryEntryId: null },
        ifMatch: '"1"',
      });
      const second = (await app.t.admin.extensions.list({ municipalityId: VANNAS, limit: 10 })).items.find(
        (item) => item.doc.extension === '2460124',
      )!;
      await app.send('DELETE', `/api/v1/extensions/${second.id}`, { ifMatch: '"1"' });
      expect((await app.send('DELETE', '/api/v1/directory/entries/person-anna', { ifMatch: '"1"' })).status).toBe(204);
    });
  });
});
