import { beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import type { Principal } from '../../src/auth/access.js';
import { rowProblemsOf } from '../../src/import/row-problems.js';
import { directoryEntrySchema } from '../../src/directory/entries/entry-schema.js';
import { useRedis } from '../support/redis.js';
import { entryStoreAs, person, snapshot, syncRegion, UMEA, unit, VANNAS } from './support.js';

const ctx = useRedis();
beforeEach(() => syncRegion(ctx));
const store = () => entryStoreAs(ctx.redis, ctx.k);

describe('directory entries: create, read, update, delete', () => {
  it('stores a person with numbers as E.164, a derived name and version 1', async () => {
    const created = await store().create(
      person('Åsa', 'Öberg', VANNAS, {
        title: 'Bygglovshandläggare',
        department: 'Bygg- och miljö',
        keywords: ['bygglov', 'strandskydd', 'bygglov'],
        phoneNumbers: ['0935-141 23', '+46 70 123 45 67', '+4693514123'],
        extension: '2460123',
        email: 'asa.oberg@vannas.se',
        location: '  ',
      }),
    );

    expect(created).toMatchObject({
      municipalityId: VANNAS,
      kind: 'person',
      name: 'Åsa Öberg',
      givenName: 'Åsa',
      familyName: 'Öberg',
      keywords: ['bygglov', 'strandskydd'],
      phoneNumbers: ['+4693514123', '+46701234567'],
      extension: '2460123',
      absence: null,
      version: 1,
    });
    expect(created).not.toHaveProperty('location');
    expect(Math.abs(Date.parse(created.updatedAt) - Date.now())).toBeLessThan(5_000);
    expect(directoryEntrySchema.parse(created)).toEqual(created);
    expect(await store().get(created.id)).toEqual(created);
    expect(await store().get('nobody')).toBeUndefined();
  });

  it('names every invalid field', async () => {
    const attempt = store().create({
      kind: 'person',
      givenName: '',
      familyName: 'Berg',
      municipalityId: '246',
      phoneNumbers: ['0935-14'],
      extension: '12a',
      surname: 'x',
    } as never);

    await expect(attempt).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    const message = (await attempt.catch((error: Error) => error.message)) as string;
    for (const field of ['givenName', 'municipalityId', 'phoneNumbers[0]', 'extension'])
      expect(message).toContain(`${field}:`);
    await expect(store().create({ kind: 'room', name: 'x', municipalityId: VANNAS } as never)).rejects.toMatchObject({
      status: 400,
    });
  });

  it('updates only at the version read: 412 naming the current version otherwise (as for admin objects), 404 when gone', async () => {
    const created = await store().create(unit('function', 'Bygglov', VANNAS, { extension: '2460100' }));
    const updated = await store().update(
      created.id,
      unit('function', 'Bygglov och strandskydd', VANNAS, { extension: '2460101' }),
      1,
    );

    expect(updated).toMatchObject({
      id: created.id,
      name: 'Bygglov och strandskydd',
      extension: '2460101',
      version: 2,
    });
    await expect(store().update(created.id, unit('function', 'Stale', VANNAS), 1)).rejects.toMatchObject({
      status: 412,
      code: 'version_mismatch',
      details: [{ field: 'header.if-match', problem: 'the current ETag is "2"' }],
    });
    expect(await store().get(created.id)).toEqual(updated);
    await expect(store().update('missing', unit('function', 'X', VANNAS), 1)).rejects.toMatchObject({
      status: 404,
      code: 'entry_not_found',
    });
    // The extension it gave up is free again.
    await expect(store().create(unit('function', 'Växeln', VANNAS, { extension: '2460100' }))).resolves.toMatchObject({
      extension: '2460100',
    });
  });

  it('keeps an entry in its municipality', async () => {
    const created = await store().create(person('Anna', 'Berg', VANNAS));
    await expect(store().update(created.id, person('Anna', 'Berg', UMEA), 1)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('municipalityId:'),
    });
  });

  it('deletes, at the version read when one is given, and frees the numbers', async () => {
    const created = await store().create(
      person('Anna', 'Berg', VANNAS, { extension: '2460200', phoneNumbers: ['0935-142 00'] }),
    );

    await expect(store().delete(created.id, 7)).rejects.toMatchObject({ status: 412 });
    expect(await store().delete(created.id, 1)).toEqual(created);
    expect(await store().get(created.id)).toBeUndefined();
    await expect(store().delete(created.id)).rejects.toMatchObject({ status: 404 });
    expect((await store().list(VANNAS)).entries).toEqual([]);
    await expect(
      store().create(person('Bo', 'Ek', VANNAS, { extension: '2460200', phoneNumbers: ['093514200'] })),
    ).resolves.toBeDefined();
  });

  it('sets and clears a hänvisning whatever the version, bumping it', async () => {
    const created = await store().create(person('Anna', 'Berg', VANNAS, { phoneNumbers: ['0935-142 00'] }));

    const away = await store().setAbsence(created.id, {
      reason: 'meeting',
      text: 'Tillbaka 14.00',
      until: '2030-05-02T14:00:00+02:00',
    });
    expect(away).toMatchObject({
      absence: { reason: 'meeting', text: 'Tillbaka 14.00', until: '2030-05-02T14:00:00+02:00' },
      phoneNumbers: ['+4693514200'],
      version: 2,
    });
    expect(await store().setAbsence(created.id, null)).toMatchObject({ absence: null, version: 3 });
    await expect(store().setAbsence(created.id, { reason: 'nap' } as never)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('absence.reason'),
    });
    await expect(store().setAbsence('missing', null)).rejects.toMatchObject({ status: 404 });
  });
});

describe('directory entries: numbers and extensions are unique in the region', () => {
  it('refuses an extension or number another entry has, in any municipality, naming who has it', async () => {
    const anna = await store().create(
      person('Anna', 'Berg', VANNAS, { extension: '2460300', phoneNumbers: ['0935-143 00'] }),
    );
    const before = await snapshot(ctx);

    const extension = store().create(person('Bo', 'Ek', UMEA, { extension: '2460300' }));
    await expect(extension).rejects.toMatchObject({
      status: 409,
      code: 'extension_taken',
      details: [{ field: 'body.extension', entryId: anna.id, name: 'Anna Berg', municipalityId: VANNAS }],
    });
    expect((await extension.catch((error: Error) => error.message)) as string).toContain(
      'extension 2460300 is already used by Anna Berg (Vännäs',
    );
    const number = store().create(person('Bo', 'Ek', UMEA, { phoneNumbers: ['+46 935 143 00'] }));
    await expect(number).rejects.toMatchObject({ status: 409, code: 'number_taken' });
    expect((await number.catch((error: Error) => error.message)) as string).toContain(
      'number 0935-143 00 is already used by Anna Berg',
    );
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('refuses an update taking another entry’s number, and lets an entry keep its own', async () => {
    const anna = await store().create(person('Anna', 'Berg', VANNAS, { extension: '2460300' }));
    const bo = await store().create(person('Bo', 'Ek', UMEA, { extension: '2480300' }));

    await expect(store().update(bo.id, person('Bo', 'Ek', UMEA, { extension: '2460300' }), 1)).rejects.toMatchObject({
      status: 409,
      code: 'extension_taken',
    });
    await expect(
      store().update(anna.id, person('Anna', 'Berg-Ek', VANNAS, { extension: '2460300' }), 1),
    ).resolves.toMatchObject({ version: 2 });
  });

  it('gives a contested number to exactly one of many concurrent creates', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => ctx.connect()));
    const results = await Promise.allSettled(
      clients.map((client, i) =>
        entryStoreAs(client, ctx.k).create(person(`P${i}`, 'Samtidig', VANNAS, { extension: '2460999' })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.status),
    ).toEqual([409, 409, 409, 409]);
  });
});

describe('directory entries: listing a municipality', () => {
  it('pages through one municipality with a cursor, unaffected by other municipalities', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) ids.add((await store().create(person(`P${i}`, 'Berg', VANNAS))).id);
    await store().create(person('Other', 'Umeå', UMEA));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store().list(VANNAS, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort());
    expect((await store().list(UMEA)).entries.map((e) => e.name)).toEqual(['Other Umeå']);
    expect(await store().list('0000')).toEqual({ entries: [] });
  });
});

describe('directory entries: bulk import, all or nothing', () => {
  async function seeded() {
    const s = store();
    const kept = await s.create(person('Kvar', 'Kvarsson', VANNAS, { extension: '2460001' }));
    const changed = await s.create(
      person('Ändrad', 'Andersson', VANNAS, { extension: '2460002', phoneNumbers: ['0935-140 02'] }),
    );
    const dropped = await s.create(person('Borta', 'Bort', VANNAS, { extension: '2460003' }));
    const elsewhere = await s.create(
      person('Umeå', 'Person', UMEA, { extension: '2480001', phoneNumbers: ['090-16 10 01'] }),
    );
    return { s, kept, changed, dropped, elsewhere };
  }

  it('replaces a municipality: updates by id, creates rows without one, deletes the rest, leaves unchanged rows alone', async () => {
    const { s, kept, changed, dropped, elsewhere } = await seeded();

    const result = await s.bulkReplace(VANNAS, [
      person('Kvar', 'Kvarsson', VANNAS, { id: kept.id, extension: '2460001' }),
      person('Ändrad', 'Andersson', VANNAS, { id: changed.id, extension: '2460002', title: 'Ny titel' }),
      // Takes over the extension of the entry the replace deletes.
      unit('function', 'Växeln', VANNAS, { extension: '2460003' }),
    ]);

    expect(result).toMatchObject({ created: 1, updated: 1, unchanged: 1, deleted: 1 });
    expect(result.entries[0]).toEqual(kept);
    expect(await s.get(kept.id)).toEqual(kept);
    expect(await s.get(changed.id)).toMatchObject({ title: 'Ny titel', phoneNumbers: [], version: 2 });
    expect(await s.get(dropped.id)).toBeUndefined();
    expect((await s.list(VANNAS)).entries.map((e) => e.name).sort()).toEqual([
      'Kvar Kvarsson',
      'Växeln',
      'Ändrad Andersson',
    ]);
    expect(await s.get(elsewhere.id)).toEqual(elsewhere);
    // The number the update dropped is free again.
    await expect(s.create(person('Ny', 'Nilsson', UMEA, { phoneNumbers: ['0935-140 02'] }))).resolves.toBeDefined();
  });

  it('upserts: rows with new ids are created, entries not among the rows are kept', async () => {
    const { s, dropped } = await seeded();
    const result = await s.bulkUpsert(VANNAS, [
      unit('department', 'Socialtjänsten', VANNAS, { id: 'soc-vannas', extension: '2460500' }),
    ]);

    expect(result).toMatchObject({ created: 1, updated: 0, unchanged: 0, deleted: 0 });
    expect(await s.get('soc-vannas')).toMatchObject({ name: 'Socialtjänsten', version: 1 });
    expect(await s.get(dropped.id)).toBeDefined();
  });

  it('changes nothing when a row is invalid, naming every bad row', async () => {
    const { s } = await seeded();
    const before = await snapshot(ctx);

    const attempt = s.bulkReplace(VANNAS, [
      unit('function', 'Växeln', VANNAS),
      person('', 'Tom', VANNAS),
      unit('function', 'Fel nummer', VANNAS, { phoneNumbers: ['0935'] }),
      person('Fel', 'Kommun', UMEA),
    ]);

    await expect(attempt).rejects.toMatchObject({ status: 400, code: 'invalid_rows' });
    const problems = rowProblemsOf(await attempt.catch((error: unknown) => error))!;
    expect(problems.map((p) => `${p.row} ${p.field}`)).toEqual([
      '1 givenName',
      '2 phoneNumbers[0]',
      '3 municipalityId',
    ]);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('changes nothing when a row takes a number another municipality’s entry has', async () => {
    const { s } = await seeded();
    const before = await snapshot(ctx);

    const attempt = s.bulkReplace(VANNAS, [
      unit('function', 'Växeln', VANNAS),
      person('Krock', 'Krocksson', VANNAS, { phoneNumbers: ['090-16 10 01'] }),
    ]);

    await expect(attempt).rejects.toMatchObject({ status: 409, code: 'import_conflicts' });
    expect(rowProblemsOf(await attempt.catch((error: unknown) => error))).toEqual([
      {
        row: 1,
        field: 'phoneNumbers',
        problem: expect.stringContaining('number 090-16 10 01 is already used by Umeå Person ('),
      },
    ]);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('changes nothing when two rows share an extension, or a row has another municipality’s entry id', async () => {
    const { s, elsewhere } = await seeded();
    const before = await snapshot(ctx);

    await expect(
      s.bulkUpsert(VANNAS, [
        person('A', 'A', VANNAS, { extension: '2460777' }),
        person('B', 'B', VANNAS, { extension: '2460777' }),
      ]),
    ).rejects.toMatchObject({
      status: 400,
      details: [{ row: 1, field: 'extension', problem: 'extension 2460777 is also in rows[0]' }],
    });
    // One entry twice is its id twice, not a second claimant of its values (as in the admin store's imports).
    await expect(
      s.bulkUpsert(VANNAS, [
        person('C', 'C', VANNAS, { id: 'twice', extension: '2460778', phoneNumbers: ['+46935141778'] }),
        person('C', 'C', VANNAS, { id: 'twice', extension: '2460778', phoneNumbers: ['+46935141778'] }),
        person('D', 'D', VANNAS, { phoneNumbers: ['+46935141778'] }),
      ]),
    ).rejects.toMatchObject({
      status: 400,
      details: [
        { row: 1, field: 'id', problem: 'id twice is also in rows[0]' },
        { row: 2, field: 'phoneNumbers[0]', problem: 'number 0935-14 17 78 is also in rows[0]' },
      ],
    });
    await expect(s.bulkUpsert(VANNAS, [person('Umeå', 'Person', VANNAS, { id: elsewhere.id })])).rejects.toMatchObject({
      status: 409,
      code: 'import_conflicts',
      details: [{ row: 0, field: 'id', problem: expect.stringContaining(`belongs to ${UMEA}`) }],
    });
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('lists every row that conflicts with stored entries, and a dry run reports the same without writing', async () => {
    const { s } = await seeded();
    const before = await snapshot(ctx);
    const rows = [
      person('Krock', 'Ett', VANNAS, { phoneNumbers: ['090-16 10 01'] }),
      unit('function', 'Fri', VANNAS),
      person('Krock', 'Två', VANNAS, { extension: '2480001' }),
    ];
    const dry = await s.bulkUpsert(VANNAS, rows, { dryRun: true }).catch((error: unknown) => error);
    expect(rowProblemsOf(dry)!.map((p) => p.row)).toEqual([0, 2]);
    expect(await snapshot(ctx)).toEqual(before);

    const counted = await s.bulkReplace(VANNAS, [unit('function', 'Ny', VANNAS)], { dryRun: true });
    expect(counted).toMatchObject({ created: 1, updated: 0, deleted: 3 });
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('lists rows wrong in themselves and rows in conflict together, in a dry run and in the refusal of a real one', async () => {
    const { s, elsewhere } = await seeded();
    const before = await snapshot(ctx);
    const rows = [
      person('Krock', 'Ett', VANNAS, { phoneNumbers: ['090-16 10 01'] }),
      person('', 'Tom', VANNAS),
      person('Umeå', 'Person', VANNAS, { id: elsewhere.id }),
      unit('function', 'Växeln', VANNAS, { phoneNumbers: ['090-16 10 00'] }),
      unit('function', 'Fel', VANNAS, { phoneNumbers: ['0935'] }),
    ];
    const listed = ['0 phoneNumbers', '1 givenName', '2 id', '3 phoneNumbers', '4 phoneNumbers[0]'];
    for (const dryRun of [true, false]) {
      const refused = await s.bulkUpsert(VANNAS, rows, { dryRun }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ status: 400, code: 'invalid_rows' });
      expect(rowProblemsOf(refused)!.map((p) => `${p.row} ${p.field}`)).toEqual(listed);
    }
    expect(
      rowProblemsOf(await s.bulkUpsert(VANNAS, rows, { dryRun: true }).catch((error: unknown) => error))![3]!.problem,
    ).toBe('number 090-16 10 00 is already the main number of Umeå (config/region.yaml)');
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('imports tens of thousands of rows (in chunks, all or nothing), and the same again as unchanged', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) =>
      person(`Förnamn${i}`, 'Efternamn', UMEA, { extension: String(24_800_000 + i) }),
    );
    const first = await store().bulkReplace(UMEA, rows);

    expect(first).toMatchObject({ created: 20_000, deleted: 0 });
    expect(await ctx.redis.hLen(ctx.k.directoryEntries())).toBe(20_000);
    expect(await ctx.redis.hLen(ctx.k.directoryExtensions())).toBe(20_000);

    const again = await store().bulkReplace(
      UMEA,
      rows.map((row, i) => ({ ...row, id: first.entries[i]!.id })),
    );
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 20_000, deleted: 0 });
  });
});

describe('directory entries: audit log', () => {
  const audit = () => createAuditLog(ctx.redis, ctx.k, { retentionDays: 30 });
  const clerk: Principal = { id: 'tok-1', name: 'IT Vännäs', role: 'municipality-admin', municipalityId: VANNAS };

  it('records who created, changed and deleted an entry, with the entry before and after', async () => {
    const asClerk = entryStoreAs(ctx.redis, ctx.k, clerk);
    const created = await asClerk.create(person('Åsa', 'Öberg', VANNAS, { extension: '2460123' }));
    const changed = await asClerk.update(created.id, person('Åsa', 'Öberg', VANNAS, { extension: '2460124' }), 1);
    await asClerk.delete(created.id, 2);

    const log = await audit().query({ scope: VANNAS, objectType: 'directory-entry', objectId: created.id, limit: 10 });
    expect(log.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(
      log.every((e) => e.actor.id === 'tok-1' && e.actor.role === 'municipality-admin' && e.municipalityId === VANNAS),
    ).toBe(true);
    expect(log[2]).toMatchObject({ after: { extension: '2460123', version: 1 } });
    expect(log[2]!.before).toBeUndefined();
    expect(log[1]).toMatchObject({
      before: { extension: '2460123' },
      after: { ...changed, extension: '2460124', version: 2 },
    });
    expect(log[0]).toMatchObject({ before: { extension: '2460124', version: 2 } });
    expect(log[0]!.after).toBeUndefined();
  });

  it('audits each row an import creates, changes or deletes, and nothing it leaves alone', async () => {
    const store = entryStoreAs(ctx.redis, ctx.k, clerk);
    const kept = await store.create(person('Kvar', 'Samma', VANNAS));
    const gone = await store.create(person('Borta', 'Bort', VANNAS));
    const before = (await audit().query({ scope: VANNAS, limit: 100 })).length;

    await store.bulkReplace(VANNAS, [person('Kvar', 'Samma', VANNAS, { id: kept.id }), person('Ny', 'Person', VANNAS)]);

    const added = (await audit().query({ scope: VANNAS, limit: 100 })).slice(0, -before);
    expect(added.map((e) => `${e.action} ${((e.after ?? e.before) as { name: string }).name}`).sort()).toEqual([
      'create Ny Person',
      'delete Borta Bort',
    ]);
    expect(added.find((e) => e.action === 'delete')!.object.id).toBe(gone.id);
  });
});
