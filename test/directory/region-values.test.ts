import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import type { DirectoryEntryInput } from '../../src/directory/entries/entry-schema.js';
import { createDirectoryEntryStore } from '../../src/directory/entries/entry-store.js';
import { PASSWORD, UMEA, VANNAS, adminApp, setupActor, snapshot } from '../admin/support.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const annasExtension = {
  extension: '2460123',
  displayName: 'Anna Berg',
  municipalityId: VANNAS,
  directNumber: '0935-141 23',
  password: PASSWORD,
};
const umeaPerson = (more: Partial<DirectoryEntryInput>) =>
  ({ kind: 'person', givenName: 'Bo', familyName: 'Ek', municipalityId: UMEA, ...more }) as DirectoryEntryInput;
const vannasPerson = (more: Partial<DirectoryEntryInput>) =>
  ({ kind: 'person', givenName: 'Anna', familyName: 'Berg', municipalityId: VANNAS, ...more }) as DirectoryEntryInput;

/**
 * The region with Vännäs's extension and direct-dial ranges ending before 2460123 and
 * 0935-141 23, synced as a switchboard would sync it: what an entry listed before a range grew
 * (or before entries were checked at all) looks like. `restore` syncs the real region again.
 */
async function withNarrowVannas(): Promise<{ restore: () => Promise<void> }> {
  const narrow = structuredClone(app.t.region) as RegionConfig;
  const vannas = narrow.municipalities.find((m) => m.id === VANNAS)!;
  vannas.extensionRanges = [{ from: '2460000', to: '2460099' }];
  vannas.directDialRanges = [{ from: '+4693514101', to: '+4693514120' }];
  await app.t.directory.syncRegion(narrow);
  return { restore: () => app.t.directory.syncRegion(app.t.region) };
}

describe('an entry’s extension and numbers against what other municipalities hold', () => {
  it('refuses another municipality’s extension or direct number, naming the admin object that holds it (409)', async () => {
    await app.send('POST', '/api/v1/extensions', { body: annasExtension });
    await app.send('POST', '/api/v1/numbers', {
      body: { number: '0935-141 50', municipalityId: VANNAS, target: { kind: 'queue' } },
    });
    const before = await snapshot(ctx);

    const extension = await app.send('POST', '/api/v1/directory/entries', {
      body: umeaPerson({ extension: '2460123' }),
    });
    expect(extension.status).toBe(409);
    expect(extension.body.error).toMatchObject({
      code: 'extension_taken',
      message: 'body.extension: extension 2460123 is already held by extension 2460123 (Anna Berg) of Vännäs',
      details: [
        {
          field: 'body.extension',
          value: '2460123',
          municipalityId: VANNAS,
          holder: expect.stringMatching(/^extension:[0-9a-f]{16}$/),
        },
      ],
    });
    const direct = await app.send('POST', '/api/v1/directory/entries', {
      body: umeaPerson({ phoneNumbers: ['070-123 45 67', '0935-141 23'] }),
    });
    expect(direct.body.error).toMatchObject({
      code: 'number_taken',
      message: 'body.phoneNumbers: number 0935-141 23 is already held by extension 2460123 (Anna Berg) of Vännäs',
    });
    const number = await app.send('POST', '/api/v1/directory/entries', {
      body: umeaPerson({ phoneNumbers: ['0935-141 50'] }),
    });
    expect(number.body.error).toMatchObject({
      code: 'number_taken',
      message: 'body.phoneNumbers: number 0935-141 50 is already held by number 0935-141 50 of Vännäs',
    });
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('refuses another municipality’s main number, or a value in its ranges, from config/region.yaml (409)', async () => {
    const before = await snapshot(ctx);
    const cases: [Partial<DirectoryEntryInput>, string, string][] = [
      [
        { phoneNumbers: ['0935-141 00'] },
        'number_taken',
        'body.phoneNumbers: number 0935-141 00 is already the main number of Vännäs (config/region.yaml)',
      ],
      [
        { phoneNumbers: ['0935-141 77'] },
        'number_taken',
        "body.phoneNumbers: number 0935-141 77 is in Vännäs's direct-dial ranges (config/region.yaml)",
      ],
      [
        { extension: '2460555' },
        'extension_taken',
        "body.extension: extension 2460555 is in Vännäs's extension ranges (config/region.yaml)",
      ],
    ];
    for (const [more, code, message] of cases) {
      const refused = await app.send('POST', '/api/v1/directory/entries', { body: umeaPerson(more) });
      expect(refused).toMatchObject({
        status: 409,
        body: { error: { code, message, details: [{ municipalityId: VANNAS }] } },
      });
    }
    expect(await snapshot(ctx)).toEqual(before);
    // Replacing an entry is checked the same way.
    const bo = await app.send('POST', '/api/v1/directory/entries', {
      body: umeaPerson({ phoneNumbers: ['070-123 45 67'] }),
    });
    const replaced = await app.send('PUT', `/api/v1/directory/entries/${bo.body.id}`, {
      body: umeaPerson({ phoneNumbers: ['0935-141 00'] }),
      ifMatch: '"1"',
    });
    expect(replaced).toMatchObject({ status: 409, body: { error: { code: 'number_taken' } } });
  });

  it('lets an entry list its own municipality’s extension, direct number and main number, and numbers of no municipality', async () => {
    await app.send('POST', '/api/v1/extensions', { body: annasExtension });
    const anna = await app.send('POST', '/api/v1/directory/entries', {
      body: vannasPerson({ extension: '2460123', phoneNumbers: ['0935-141 23', '070-123 45 67'] }),
    });
    expect(anna).toMatchObject({
      status: 201,
      body: { extension: '2460123', phoneNumbers: ['+4693514123', '+46701234567'] },
    });
    const switchboard = await app.send('POST', '/api/v1/directory/entries', {
      body: { kind: 'function', name: 'Växeln', municipalityId: VANNAS, phoneNumbers: ['0935-141 00', '0932-140 90'] },
    });
    expect(switchboard.status).toBe(201);
    // An extension in no municipality's range may be listed before IT creates it anywhere.
    expect(
      (await app.send('POST', '/api/v1/directory/entries', { body: umeaPerson({ extension: '99123' }) })).status,
    ).toBe(201);
  });

  it('checks a CSV import row by row against other municipalities’ objects and numbers', async () => {
    await app.send('POST', '/api/v1/extensions', { body: annasExtension });
    const csv = [
      'kind,givenName,familyName,phoneNumbers,extension',
      'person,Bo,Ek,,2460123',
      'person,Eva,Ek,0935-141 00,',
      'person,Fri,Ek,090-16 12 34,2480555',
    ].join('\n');
    const response = await app.t.app.request(`/api/v1/directory/entries/import?municipality=${UMEA}&dryRun=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.admin}`, 'content-type': 'text/csv' },
      body: csv,
    });
    expect(((await response.json()) as { problems: unknown[] }).problems).toEqual([
      {
        line: 2,
        column: 'extension',
        problem: 'extension 2460123 is already held by extension 2460123 (Anna Berg) of Vännäs',
      },
      {
        line: 3,
        column: 'phoneNumbers',
        problem: 'number 0935-141 00 is already the main number of Vännäs (config/region.yaml)',
      },
    ]);
  });
});

describe('an admin extension or number against other municipalities’ entries', () => {
  it('refuses a value another municipality’s entry lists (409 naming the entry), on a change and an import alike', async () => {
    // Listed while Vännäs's ranges did not reach these values.
    const { restore } = await withNarrowVannas();
    const bo = await app.t.entries.create(
      umeaPerson({ extension: '2460123', phoneNumbers: ['0935-141 23'] }),
      setupActor,
    );
    await restore();
    const before = await snapshot(ctx);

    const extension = await app.send('POST', '/api/v1/extensions', {
      body: { ...annasExtension, directNumber: undefined },
    });
    expect(extension.status).toBe(409);
    expect(extension.body.error).toMatchObject({
      code: 'claim_taken',
      message: `body.extension: extension 2460123 is already held by the directory entry Bo Ek (${bo.id}) of Umeå`,
    });
    const number = await app.send('POST', '/api/v1/numbers', {
      body: { number: '0935-141 23', municipalityId: VANNAS, target: { kind: 'queue' } },
    });
    expect(number.body.error).toMatchObject({
      code: 'claim_taken',
      details: [{ field: 'body.number', problem: expect.stringContaining('the directory entry Bo Ek') }],
    });
    const imported = await app.t.admin.extensions
      .bulkWrite(VANNAS, [{ input: { ...annasExtension, directNumber: undefined } }], 'upsert', setupActor)
      .catch((error: unknown) => error);
    expect(imported).toMatchObject({
      status: 409,
      code: 'import_conflicts',
      details: [{ row: 0, field: 'extension', problem: expect.stringContaining('the directory entry Bo Ek') }],
    });
    expect(await snapshot(ctx)).toEqual(before);

    // The entry keeps what it listed: it can still be edited, e.g. given a hänvisning.
    expect(
      (await app.send('PUT', `/api/v1/directory/entries/${bo.id}/absence`, { body: { reason: 'lunch' } })).status,
    ).toBe(200);
  });

  it('lets an extension of the entry’s own municipality have what the entry lists', async () => {
    await app.send('POST', '/api/v1/directory/entries', {
      body: vannasPerson({ extension: '2460123', phoneNumbers: ['0935-141 23'] }),
    });
    expect((await app.send('POST', '/api/v1/extensions', { body: annasExtension })).status).toBe(201);
  });

  it('gives a contested value to exactly one side when an entry and an extension race for it', async () => {
    // The region config lets Umeå's entries list 2460150; Vännäs's extension ranges (the admin store's config) hold it.
    const { restore } = await withNarrowVannas();
    try {
      const clients = await Promise.all(Array.from({ length: 6 }, () => ctx.connect()));
      const attempts = clients.map((client, i) =>
        i % 2 === 0
          ? createDirectoryEntryStore(client, ctx.k, app.t.audit).create(
              umeaPerson({ givenName: `P${i}`, extension: '2460150' }),
              setupActor,
            )
          : createAdminStores(client, ctx.k, app.t.audit, app.t.region).extensions.create(
              { ...annasExtension, extension: '2460150', directNumber: undefined, displayName: `E${i}` },
              setupActor,
            ),
      );
      const results = await Promise.allSettled(attempts);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(
        results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.status),
      ).toEqual([409, 409, 409, 409, 409]);
    } finally {
      await restore();
    }
  });
});
