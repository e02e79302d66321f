import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { adminApp, snapshot, UMEA, VANNAS } from '../admin/support.js';
import { useRedis } from '../support/redis.js';
import { eventually } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const asa = {
  kind: 'person',
  givenName: 'Åsa',
  familyName: 'Öberg',
  municipalityId: VANNAS,
  title: 'Bygglovshandläggare',
  keywords: ['bygglov'],
  phoneNumbers: ['0935-141 23'],
  extension: '2460123',
};

describe('directory entries over HTTP', () => {
  it('creates an entry with an ETag, shows numbers nationally, replaces it with If-Match and deletes it', async () => {
    const created = await app.send('POST', '/api/v1/directory/entries', { body: asa });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({
      name: 'Åsa Öberg',
      phoneNumbers: ['+4693514123'],
      phoneNumbersDisplay: ['0935-141 23'],
      version: 1,
    });
    const id = created.body.id as string;
    expect(created.headers.get('location')).toBe(`/api/v1/directory/entries/${id}`);

    expect((await app.send('PUT', `/api/v1/directory/entries/${id}`, { body: { ...asa, title: 'Chef' } })).status).toBe(
      428,
    );
    const replaced = await app.send('PUT', `/api/v1/directory/entries/${id}`, {
      body: { ...asa, title: 'Chef' },
      ifMatch: '"1"',
    });
    expect(replaced).toMatchObject({ status: 200, body: { title: 'Chef', version: 2 } });
    expect(replaced.headers.get('etag')).toBe('"2"');

    const moved = await app.send('PUT', `/api/v1/directory/entries/${id}`, {
      body: { ...asa, municipalityId: UMEA },
      ifMatch: '"2"',
    });
    expect(moved.body.error!.details).toEqual([
      { field: 'body.municipalityId', problem: expect.stringContaining('delete it there and create it here') },
    ]);

    // 412 in the shape of the admin resources' (and of the API's Error schema).
    const stale = await app.send('PUT', `/api/v1/directory/entries/${id}`, { body: asa, ifMatch: '"1"' });
    expect(stale).toMatchObject({
      status: 412,
      body: {
        error: {
          code: 'version_mismatch',
          details: [{ field: 'header.if-match', problem: 'the current ETag is "2"' }],
        },
      },
    });
    const extension = await app.send('POST', '/api/v1/extensions', {
      body: {
        extension: '2460999',
        displayName: 'X',
        municipalityId: VANNAS,
        password: 'correct horse battery staple',
      },
    });
    const staleExtension = await app.send('PATCH', `/api/v1/extensions/${extension.body.id}`, {
      body: { displayName: 'Y' },
      ifMatch: '"7"',
    });
    expect(Object.keys(stale.body.error!)).toEqual(Object.keys(staleExtension.body.error!));
    expect(stale.body.error!.details).toEqual(
      staleExtension.body.error!.details!.map((d) => ({ ...d, problem: 'the current ETag is "2"' })),
    );
    expect((await app.send('DELETE', `/api/v1/directory/entries/${id}`, { ifMatch: '"1"' })).body.error).toMatchObject({
      code: 'version_mismatch',
      details: [{ field: 'header.if-match' }],
    });

    expect((await app.send('DELETE', `/api/v1/directory/entries/${id}`, { ifMatch: '"2"' })).status).toBe(204);
    expect((await app.send('GET', `/api/v1/directory/entries/${id}`)).status).toBe(404);
  });

  it('names each bad field, and refuses an extension another entry in the region has (409 naming who)', async () => {
    const bad = await app.send('POST', '/api/v1/directory/entries', {
      body: { ...asa, phoneNumbers: ['12'], email: 'nope', colour: 'red' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.details!.map((d) => d.field).sort()).toEqual([
      'body.colour',
      'body.email',
      'body.phoneNumbers[0]',
    ]);

    await app.send('POST', '/api/v1/directory/entries', { body: asa });
    const before = await snapshot(ctx);
    const taken = await app.send('POST', '/api/v1/directory/entries', {
      body: { ...asa, givenName: 'Bo', phoneNumbers: [] },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({
      code: 'extension_taken',
      details: [{ field: 'body.extension', name: 'Åsa Öberg' }],
    });
    expect(taken.body.error!.message).toContain('Åsa Öberg');
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('refuses a municipality that is not a member, and the ids of the API’s own paths', async () => {
    const before = await snapshot(ctx);
    const outside = await app.send('POST', '/api/v1/directory/entries', { body: { ...asa, municipalityId: '9999' } });
    expect(outside).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          details: [
            { field: 'body.municipalityId', problem: '9999 is not a member municipality (config/region.yaml)' },
          ],
        },
      },
    });
    for (const id of ['export', 'import']) {
      const reserved = await app.send('POST', '/api/v1/directory/entries', { body: { ...asa, id } });
      expect(reserved).toMatchObject({
        status: 400,
        body: { error: { details: [{ field: 'body.id', problem: expect.stringContaining('is reserved') }] } },
      });
    }
    expect(await snapshot(ctx)).toEqual(before);
    // Any other id is read back singly.
    expect((await app.send('POST', '/api/v1/directory/entries', { body: { ...asa, id: 'exporter' } })).status).toBe(
      201,
    );
    expect((await app.send('GET', '/api/v1/directory/entries/exporter')).body).toMatchObject({ id: 'exporter' });
  });

  it('lets a municipality admin read and change only their own municipality’s entries', async () => {
    const umea = await app.send('POST', '/api/v1/directory/entries', {
      body: { kind: 'function', name: 'Färdtjänst', municipalityId: UMEA },
    });
    const vannasAdmin = await app.t.tokenFor('municipality-admin', VANNAS);
    const operator = await app.t.tokenFor('operator');

    expect(
      (
        await app.send('POST', '/api/v1/directory/entries', {
          body: { kind: 'function', name: 'X', municipalityId: UMEA },
          auth: vannasAdmin,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await app.send('PUT', `/api/v1/directory/entries/${umea.body.id}`, {
          body: { kind: 'function', name: 'Y', municipalityId: UMEA },
          ifMatch: '"1"',
          auth: vannasAdmin,
        })
      ).body.error,
    ).toMatchObject({
      code: 'other_municipality',
    });
    expect(
      (await app.send('DELETE', `/api/v1/directory/entries/${umea.body.id}`, { ifMatch: '"1"', auth: vannasAdmin }))
        .status,
    ).toBe(403);
    expect((await app.send('GET', `/api/v1/directory/entries/${umea.body.id}`, { auth: vannasAdmin })).status).toBe(
      403,
    );
    expect((await app.send('GET', `/api/v1/directory/entries/${umea.body.id}`, { auth: operator })).status).toBe(200);
    expect((await app.send('POST', '/api/v1/directory/entries', { body: asa, auth: vannasAdmin })).status).toBe(201);
    expect((await app.send('POST', '/api/v1/directory/entries', { body: asa, auth: operator })).status).toBe(403);
    // A municipality admin's listing is their own municipality's.
    const listed = await app.send('GET', '/api/v1/directory/entries', { auth: vannasAdmin });
    expect((listed.body.entries as { name: string }[]).map((e) => e.name)).toEqual(['Åsa Öberg']);
    expect((await app.send('GET', '/api/v1/directory/entries')).body.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('query.municipality'),
    });
  });

  it('pages through a municipality with a cursor', async () => {
    for (let i = 0; i < 5; i++)
      await app.send('POST', '/api/v1/directory/entries', {
        body: { kind: 'function', name: `Funktion ${i}`, municipalityId: VANNAS },
      });
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await app.send(
        'GET',
        `/api/v1/directory/entries?municipality=${VANNAS}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      names.push(...(page.body.entries as { name: string }[]).map((e) => e.name));
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor);
    expect(names.sort()).toEqual(['Funktion 0', 'Funktion 1', 'Funktion 2', 'Funktion 3', 'Funktion 4']);
    // A cursor is the lists' one kind (store/lex-page.ts): anything else, an entry id too, is a 400.
    for (const bad of ['nocursor', Buffer.from('not an id').toString('base64url')])
      expect(
        (await app.send('GET', `/api/v1/directory/entries?municipality=${VANNAS}&cursor=${bad}`)).body.error,
      ).toMatchObject({ code: 'invalid_request', details: [{ field: 'query.cursor', problem: expect.any(String) }] });
  });

  it('lets an operator set and clear the hänvisning, audited under the operator', async () => {
    const created = await app.send('POST', '/api/v1/directory/entries', { body: asa });
    const operator = await app.t.tokenFor('operator', undefined, 'Telefonist Eva');
    const set = await app.send('PUT', `/api/v1/directory/entries/${created.body.id}/absence`, {
      body: { reason: 'meeting', text: 'Sammanträde', until: '2099-01-01T14:00:00+01:00' },
      auth: operator,
    });
    expect(set).toMatchObject({
      status: 200,
      body: { absence: { reason: 'meeting', text: 'Sammanträde' }, version: 2 },
    });
    expect(
      (
        await app.send('PUT', `/api/v1/directory/entries/${created.body.id}/absence`, {
          body: { reason: 'nap' },
          auth: operator,
        })
      ).body.error!.details,
    ).toEqual([{ field: 'body.reason', problem: expect.any(String) }]);
    const cleared = await app.send('DELETE', `/api/v1/directory/entries/${created.body.id}/absence`, {
      auth: operator,
    });
    expect(cleared.body).toMatchObject({ absence: null, version: 3 });

    const log = await app.t.audit.query({
      scope: VANNAS,
      objectType: 'directory-entry',
      objectId: created.body.id as string,
      limit: 10,
    });
    expect(log.map((e) => `${e.action} by ${e.actor.name}`)).toEqual([
      'update by Telefonist Eva',
      'update by Telefonist Eva',
      'create by Region Admin',
    ]);
  });
});

describe('directory search over HTTP', () => {
  it('finds across the region regardless of diacritics and typos, filters by municipality, and shows the hänvisning', async () => {
    await app.t.search.start();
    onTestFinished(() => app.t.search.stop());
    const created = await app.send('POST', '/api/v1/directory/entries', {
      body: { ...asa, absence: { reason: 'leave', text: 'Föräldraledig' } },
    });
    await app.send('POST', '/api/v1/directory/entries', {
      body: { kind: 'function', name: 'Bygglov', municipalityId: UMEA, keywords: ['bygglov'] },
    });
    await eventually(() => app.t.search.status().seq >= 2, 1_000);
    const operator = await app.t.tokenFor('operator');

    const byName = await app.send('GET', '/api/v1/directory/search?q=asa%20oberg', { auth: operator });
    expect(byName.status).toBe(200);
    expect(byName.body.hits).toEqual([
      expect.objectContaining({
        entry: expect.objectContaining({ id: created.body.id }),
        absence: { reason: 'leave', text: 'Föräldraledig' },
      }),
    ]);

    const misspelt = await app.send('GET', '/api/v1/directory/search?q=byglov', { auth: operator });
    expect(
      (misspelt.body.hits as { entry: { municipalityId: string } }[]).map((h) => h.entry.municipalityId).sort(),
    ).toEqual([VANNAS, UMEA]);

    const inUmea = await app.send('GET', `/api/v1/directory/search?q=bygglov&municipality=${UMEA}`, { auth: operator });
    expect((inUmea.body.hits as { entry: { name: string } }[]).map((h) => h.entry.name)).toEqual(['Bygglov']);

    expect((await app.send('GET', '/api/v1/directory/search?q=', { auth: operator })).body.error!.details).toEqual([
      { field: 'query.q', problem: 'must not be empty' },
    ]);
    expect((await app.send('GET', '/api/v1/directory/search?q=x&municipality=99', { auth: operator })).status).toBe(
      400,
    );
  });
});
