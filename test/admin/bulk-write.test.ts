import { resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExtensionInput } from '../../src/admin/extensions.js';
import { createAdminStores } from '../../src/admin/index.js';
import type { Principal } from '../../src/auth/access.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { AppError } from '../../src/errors.js';
import { useRedis } from '../support/redis.js';
import { PASSWORD, UMEA, VANNAS, setupActor, snapshot } from './support.js';

const ctx = useRedis();
let region: RegionConfig;
let admin: ReturnType<typeof createAdminStores>;

beforeAll(async () => {
  region = await loadRegionConfig(resolve('config/region.yaml'));
});
beforeEach(() => {
  admin = createAdminStores(ctx.redis, ctx.k, createAuditLog(ctx.redis, ctx.k, { retentionDays: 30 }), region);
});

/** The n-th extension of a municipality (Vännäs 2460100 + n, Umeå 2480000 + n), with its password. */
const person = (n: number, municipalityId = VANNAS): ExtensionInput => ({
  extension: String(municipalityId === VANNAS ? 2460100 + n : 2480000 + n),
  displayName: `Person ${n}`,
  municipalityId,
  password: PASSWORD,
});

/** What bulkWrite threw, for matching its status, code and rows. */
async function refusal(pending: Promise<unknown>): Promise<AppError> {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const auditEntries = async (municipalityId: string) =>
  ((await ctx.redis.xRange(ctx.k.audit(municipalityId), '-', '+')) ?? []).map((e) => e.message);

describe('bulkWrite on the versioned store (extensions)', () => {
  it('creates and changes in one go, each changed object audited exactly as a single change audits it', async () => {
    const { extensions } = admin;
    const anna = await extensions.create(person(1), setupActor);
    const bo = await extensions.create(person(2), setupActor);
    await extensions.update(bo.id, 1, { displayName: 'Bo Single' }, setupActor);
    const before = (await auditEntries(VANNAS)).length;

    const result = await extensions.bulkWrite(
      VANNAS,
      [
        { input: person(3) },
        { id: anna.id, input: { ...anna.doc, displayName: 'Anna Bulk', directNumber: '0935-141 23' } },
        { input: { ...person(4), directNumber: '0935-141 24' } },
      ],
      'upsert',
      setupActor,
    );

    expect(result).toMatchObject({ created: 2, updated: 1, unchanged: 0, deleted: 0 });
    expect(result.items.map((i) => [i.version, i.doc.extension, i.doc.displayName, i.doc.directNumber])).toEqual([
      [1, '2460103', 'Person 3', undefined],
      [2, '2460101', 'Anna Bulk', '+4693514123'],
      [1, '2460104', 'Person 4', '+4693514124'],
    ]);
    expect(result.items[1]!.id).toBe(anna.id);
    for (const item of result.items) expect(await extensions.get(item.id)).toEqual(item);
    expect((await extensions.list({ municipalityId: VANNAS, limit: 10 })).items.map((i) => i.doc.extension)).toEqual([
      '2460101',
      '2460102',
      '2460103',
      '2460104',
    ]);
    expect(await extensions.sipCredentials('2460104')).toMatchObject({ username: '2460104' });
    // The claims moved with the objects: the new direct number is held, by the row that took it.
    expect(await ctx.redis.get(ctx.k.claim('e164:+4693514123'))).toBe(`extension:${anna.id}`);

    const entries = await auditEntries(VANNAS);
    expect(entries).toHaveLength(before + 3);
    const [created, updated] = [entries[before]!, entries[before + 1]!];
    const singleUpdate = entries[before - 1]!;
    expect(Object.keys(updated)).toEqual(Object.keys(singleUpdate));
    expect(Object.keys(created)).toEqual(Object.keys(entries[0]!));
    expect(updated).toMatchObject({
      action: 'update',
      objectType: 'extension',
      objectId: anna.id,
      municipalityId: VANNAS,
      actor: singleUpdate.actor,
    });
    expect(JSON.parse(updated.before!)).toEqual({ version: 1, ...anna.doc });
    expect(JSON.parse(updated.after!)).toEqual({ version: 2, ...result.items[1]!.doc });
    expect(created).toMatchObject({ action: 'create', objectId: result.items[0]!.id });
    expect(JSON.parse(created.after!)).toEqual({ version: 1, ...result.items[0]!.doc });
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);
  });

  it('in replace mode deletes the municipality’s objects that are not among the rows, and no other municipality’s', async () => {
    const { extensions } = admin;
    const kept = await extensions.create(person(1), setupActor);
    const gone = [
      await extensions.create(person(2), setupActor),
      await extensions.create({ ...person(3), directNumber: '0935-141 33' }, setupActor),
    ];
    const umea = await extensions.create(person(1, UMEA), setupActor);

    const result = await extensions.bulkWrite(
      VANNAS,
      [{ id: kept.id, input: kept.doc }, { input: person(4) }],
      'replace',
      setupActor,
    );

    expect(result).toMatchObject({ created: 1, updated: 0, unchanged: 1, deleted: 2 });
    expect((await extensions.list({ municipalityId: VANNAS, limit: 10 })).items.map((i) => i.doc.extension)).toEqual([
      '2460101',
      '2460104',
    ]);
    expect(await extensions.get(umea.id)).toEqual(umea);
    for (const { id } of gone) expect(await extensions.get(id)).toBeUndefined();
    expect(await ctx.redis.get(ctx.k.claim('e164:+4693514133'))).toBeNull();
    expect(await extensions.sipCredentials('2460102')).toBeUndefined();
    const deletions = (await auditEntries(VANNAS)).filter((e) => e.action === 'delete');
    expect(deletions.map((e) => e.objectId).sort()).toEqual(gone.map((g) => g.id).sort());
    expect(deletions.every((e) => e.after === undefined && JSON.parse(e.before!).version === 1)).toBe(true);
  });

  it('keeps an unchanged row at its version, without an audit entry; a new password is a change', async () => {
    const { extensions } = admin;
    const anna = await extensions.create(person(1), setupActor);
    const bo = await extensions.create(person(2), setupActor);
    const audited = (await auditEntries(VANNAS)).length;

    const result = await extensions.bulkWrite(
      VANNAS,
      [
        { id: anna.id, input: anna.doc },
        { id: bo.id, input: { ...bo.doc, password: 'another long passphrase' } },
      ],
      'upsert',
      setupActor,
    );

    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 1, deleted: 0 });
    expect(result.items).toEqual([anna, { ...bo, version: 2 }]);
    expect(await extensions.get(anna.id)).toEqual(anna);
    expect((await auditEntries(VANNAS)).slice(audited).map((e) => e.objectId)).toEqual([bo.id]);
  });

  it('changes nothing when rows are bad, and lists every bad row with its field', async () => {
    const { extensions } = admin;
    const anna = await extensions.create(person(1), setupActor);
    const umea = await extensions.create(person(1, UMEA), setupActor);
    const before = await snapshot(ctx);

    const error = await refusal(
      extensions.bulkWrite(
        VANNAS,
        [
          { input: person(2) },
          { input: { ...person(3), extension: '2480123' } },
          { input: person(4) },
          { input: { ...person(5), displayName: ' ' } },
          { input: { ...person(6), password: undefined } },
          { input: person(2) },
          { input: person(7, UMEA) },
          { id: umea.id, input: umea.doc },
          { id: 'ffffffffffffffff', input: person(8) },
          { id: anna.id, input: anna.doc },
          { id: anna.id, input: anna.doc },
        ],
        'replace',
        setupActor,
      ),
    );

    expect(error).toMatchObject({ status: 400, code: 'invalid_rows' });
    expect(error.details).toEqual([
      { row: 1, field: 'extension', problem: expect.stringContaining("not in Vännäs's extension ranges") },
      { row: 3, field: 'displayName', problem: 'must not be empty' },
      { row: 4, field: 'password', problem: 'is required' },
      { row: 5, field: 'extension', problem: 'extension 2460102 is also in rows[0]' },
      { row: 6, field: 'municipalityId', problem: `is ${UMEA}, but the import is for ${VANNAS}` },
      { row: 7, field: 'id', problem: `no extension of ${VANNAS} has the id ${umea.id}` },
      { row: 8, field: 'id', problem: `no extension of ${VANNAS} has the id ffffffffffffffff` },
      { row: 10, field: 'id', problem: `id ${anna.id} is also in rows[9]` },
    ]);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('lists at most 50 problems, and says how many more there are', async () => {
    const rows = Array.from({ length: 60 }, (_, n) => ({ input: { ...person(n), displayName: '' } }));
    const error = await refusal(admin.extensions.bulkWrite(VANNAS, rows, 'upsert', setupActor));
    expect(error.details).toHaveLength(51);
    expect((error.details as unknown[]).at(-1)).toEqual({
      row: -1,
      field: 'rows',
      problem: '10 more problems not listed',
    });
  });

  describe('conflicts with stored objects', () => {
    /** Umeå holds 2460150 (its ranges once covered it), a number routes to Vännäs's 2460101, and one holds 0935-141 40. */
    async function conflictingWorld() {
      const wider = structuredClone(region);
      wider.municipalities.find((m) => m.id === UMEA)!.extensionRanges.push({ from: '2460150', to: '2460150' });
      const umea = await createAdminStores(
        ctx.redis,
        ctx.k,
        createAuditLog(ctx.redis, ctx.k, { retentionDays: 30 }),
        wider,
      ).extensions.create(
        { extension: '2460150', displayName: 'Umeå Person', municipalityId: UMEA, password: PASSWORD },
        setupActor,
      );
      const anna = await admin.extensions.create(person(1), setupActor);
      await admin.numbers.create(
        { number: '0935-141 41', municipalityId: VANNAS, target: { kind: 'extension', extension: '2460101' } },
        setupActor,
      );
      await admin.numbers.create(
        { number: '0935-141 40', municipalityId: VANNAS, target: { kind: 'queue' } },
        setupActor,
      );
      const rows = [
        { input: person(2) },
        { input: { ...person(50), extension: '2460150' } },
        { input: person(3) },
        { input: { ...person(4), directNumber: '0935-141 40' } },
      ];
      return { umea, anna, rows };
    }

    it('changes nothing and lists every conflicting row (and deletion) with the field and the holder', async () => {
      const { rows } = await conflictingWorld();
      const before = await snapshot(ctx);

      const error = await refusal(admin.extensions.bulkWrite(VANNAS, rows, 'replace', setupActor));

      expect(error).toMatchObject({ status: 409, code: 'import_conflicts' });
      expect(error.details).toEqual([
        {
          row: -1,
          field: 'extension',
          problem:
            'extension 2460101 (Person 1) cannot be deleted while number 0935-141 41 points at it (extension 2460101)',
        },
        { row: 1, field: 'extension', problem: 'extension 2460150 is already held by extension 2460150 (Umeå Person)' },
        { row: 3, field: 'directNumber', problem: '0935-141 40 is already held by number 0935-141 40' },
      ]);
      expect(await snapshot(ctx)).toEqual(before);
    });

    it('refuses a row that renumbers an extension a number points at', async () => {
      const { anna } = await conflictingWorld();
      const before = await snapshot(ctx);
      const error = await refusal(
        admin.extensions.bulkWrite(
          VANNAS,
          [{ id: anna.id, input: { ...anna.doc, extension: '2460109', password: PASSWORD } }],
          'upsert',
          setupActor,
        ),
      );
      expect(error.details).toEqual([
        {
          row: 0,
          field: 'extension',
          problem: 'extension 2460101 cannot change while number 0935-141 41 points at it',
        },
      ]);
      expect(await snapshot(ctx)).toEqual(before);
    });

    it('refuses a value passing between two rows of one import (documented: import in two steps)', async () => {
      const { extensions } = admin;
      const anna = await extensions.create({ ...person(1), directNumber: '0935-141 23' }, setupActor);
      const bo = await extensions.create(person(2), setupActor);
      const error = await refusal(
        extensions.bulkWrite(
          VANNAS,
          [
            { id: anna.id, input: { ...anna.doc, directNumber: undefined } },
            { id: bo.id, input: { ...bo.doc, directNumber: '0935-141 23' } },
          ],
          'upsert',
          setupActor,
        ),
      );
      expect(error.details).toEqual([
        { row: 1, field: 'directNumber', problem: '0935-141 23 is already held by extension 2460101 (Person 1)' },
      ]);
    });
    it('refuses the whole import when an object changed or was added between its read and its checks', async () => {
      const { extensions } = admin;
      const anna = await extensions.create(person(1), setupActor);
      let added = '';
      // The rows are read and planned; while they are staged, single changes come in (another connection).
      const other = createAdminStores(
        await ctx.connect(),
        ctx.k,
        createAuditLog(ctx.redis, ctx.k, { retentionDays: 30 }),
        region,
      ).extensions;
      const meanwhile = async (phase: string) => {
        if (phase !== 'staging' || added) return;
        await other.update(anna.id, 1, { displayName: 'Changed Meanwhile' }, setupActor);
        added = (await other.create(person(9), setupActor)).id;
      };
      const rows = [{ id: anna.id, input: { ...anna.doc, displayName: 'From Import' } }, { input: person(2) }];
      const error = await refusal(extensions.bulkWrite(VANNAS, rows, 'replace', setupActor, { onProgress: meanwhile }));
      expect(error.details).toEqual([
        {
          row: -1,
          field: 'id',
          problem:
            'extension 2460109 (Person 9) is not among the rows: it was added while the import was prepared: import again',
        },
        {
          row: 0,
          field: 'id',
          problem:
            'extension 2460101 (From Import) was changed (to version 2, read at 1) while the import was prepared: import again',
        },
      ]);
      expect((await extensions.get(anna.id))?.doc.displayName).toBe('Changed Meanwhile');
      expect(await extensions.get(added)).toMatchObject({ version: 1 });
      expect((await extensions.list({ municipalityId: VANNAS, limit: 10 })).items).toHaveLength(2);
    });
  });

  describe('a dry run', () => {
    it('reports the same problems as the real import, the stored data’s too, and writes nothing', async () => {
      const wider = structuredClone(region);
      wider.municipalities.find((m) => m.id === UMEA)!.extensionRanges.push({ from: '2460150', to: '2460150' });
      await createAdminStores(
        ctx.redis,
        ctx.k,
        createAuditLog(ctx.redis, ctx.k, { retentionDays: 30 }),
        wider,
      ).extensions.create(
        { extension: '2460150', displayName: 'Umeå Person', municipalityId: UMEA, password: PASSWORD },
        setupActor,
      );
      const before = await snapshot(ctx);
      const conflicting = [{ input: person(2) }, { input: { ...person(50), extension: '2460150' } }];
      const dry = await refusal(
        admin.extensions.bulkWrite(VANNAS, conflicting, 'upsert', setupActor, { dryRun: true }),
      );
      expect(await snapshot(ctx)).toEqual(before);
      const real = await refusal(admin.extensions.bulkWrite(VANNAS, conflicting, 'upsert', setupActor));
      expect([dry.status, dry.code, dry.details]).toEqual([real.status, real.code, real.details]);
      expect(dry.details).toEqual([
        { row: 1, field: 'extension', problem: 'extension 2460150 is already held by extension 2460150 (Umeå Person)' },
      ]);

      const invalid = [{ input: person(2) }, { input: { ...person(3), displayName: '' } }];
      const dryInvalid = await refusal(
        admin.extensions.bulkWrite(VANNAS, invalid, 'upsert', setupActor, { dryRun: true }),
      );
      const realInvalid = await refusal(admin.extensions.bulkWrite(VANNAS, invalid, 'upsert', setupActor));
      expect([dryInvalid.status, dryInvalid.details]).toEqual([400, realInvalid.details]);
      expect(await snapshot(ctx)).toEqual(before);
    });

    it('reports the counts and items the import would make, and writes nothing', async () => {
      const { extensions } = admin;
      const anna = await extensions.create(person(1), setupActor);
      const bo = await extensions.create(person(2), setupActor);
      await extensions.create(person(3), setupActor);
      const rows = [
        { id: anna.id, input: anna.doc },
        { id: bo.id, input: { ...bo.doc, displayName: 'Bo Changed' } },
        { input: person(4) },
      ];
      const before = await snapshot(ctx);

      const dry = await extensions.bulkWrite(VANNAS, rows, 'replace', setupActor, { dryRun: true });
      expect(await snapshot(ctx)).toEqual(before);
      expect(dry).toMatchObject({ created: 1, updated: 1, unchanged: 1, deleted: 1 });
      expect(dry.items.map((i) => [i.version, i.doc.displayName])).toEqual([
        [1, 'Person 1'],
        [2, 'Bo Changed'],
        [1, 'Person 4'],
      ]);

      const real = await extensions.bulkWrite(VANNAS, rows, 'replace', setupActor);
      expect({ ...real, items: real.items.map((i) => ({ ...i, id: '' })) }).toEqual({
        ...dry,
        items: dry.items.map((i) => ({ ...i, id: '' })),
      });
    });
  });

  it('lets a municipality admin import into their own municipality only', async () => {
    const vannasAdmin: Principal = {
      id: 'a',
      name: 'Vännäs Admin',
      role: 'municipality-admin',
      municipalityId: VANNAS,
    };
    await expect(
      admin.extensions.bulkWrite(UMEA, [{ input: person(1, UMEA) }], 'upsert', vannasAdmin),
    ).rejects.toMatchObject({ status: 403, code: 'other_municipality' });
    expect(await admin.extensions.bulkWrite(VANNAS, [{ input: person(1) }], 'upsert', vannasAdmin)).toMatchObject({
      created: 1,
    });
  });

  it('imports 2 000 rows in chunks of short scripts, and again unchanged', async () => {
    const { extensions } = admin;
    const rows = Array.from({ length: 2000 }, (_, n) => ({ input: person(n, UMEA) }));
    const written = vi.spyOn(ctx.redis, 'importApply');

    const result = await extensions.bulkWrite(UMEA, rows, 'replace', setupActor);

    // 50 rows a chunk, each written by a script of its own.
    expect(written).toHaveBeenCalledTimes(40);
    expect(result).toMatchObject({ created: 2000, updated: 0, unchanged: 0, deleted: 0 });
    expect(await ctx.redis.zCard(ctx.k.adminIndex('extension', UMEA))).toBe(2000);
    expect(await ctx.redis.xLen(ctx.k.audit(UMEA))).toBe(2000);
    expect(await extensions.sipCredentials('2481999')).toMatchObject({ username: '2481999' });

    const again = await extensions.bulkWrite(
      UMEA,
      result.items.map((i) => ({ id: i.id, input: i.doc })),
      'replace',
      setupActor,
    );
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2000, deleted: 0 });
    expect(await ctx.redis.xLen(ctx.k.audit(UMEA))).toBe(2000);
  }, 60_000);
});
