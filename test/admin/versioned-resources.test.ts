import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS, adminApp, resources, setupActor, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

type Item = { id: string; version: number; municipalityId: string };

describe.each(resources.map((r) => [r.plural, r] as const))(
  '/api/v1/%s, a versioned admin resource',
  (_, { plural, type, body, change }) => {
    const base = `/api/v1/${plural}`;
    const create = async (n: number, municipalityId = VANNAS) => {
      const { status, body: created } = await app.send('POST', base, { body: body(n, municipalityId) });
      expect(status, JSON.stringify(created)).toBe(201);
      return created as unknown as Item;
    };

    it('creates, reads, changes, lists and deletes, with the version as ETag', async () => {
      const created = await app.send('POST', base, { body: body(1) });
      expect(created.status).toBe(201);
      const item = created.body as unknown as Item;
      expect(item).toMatchObject({ version: 1, municipalityId: VANNAS });
      expect(created.headers.get('etag')).toBe('"1"');
      expect(created.headers.get('location')).toBe(`${base}/${item.id}`);

      const read = await app.send('GET', `${base}/${item.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      expect(read.headers.get('etag')).toBe('"1"');

      const changed = await app.send('PATCH', `${base}/${item.id}`, { body: change, ifMatch: '"1"' });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toMatchObject({ id: item.id, version: 2 });
      expect(changed.headers.get('etag')).toBe('"2"');
      expect((await app.send('GET', `${base}/${item.id}`)).body).toEqual(changed.body);
      expect((await app.send('GET', base)).body[plural]).toEqual([changed.body]);

      expect((await app.send('DELETE', `${base}/${item.id}`, { ifMatch: '"2"' })).status).toBe(204);
      expect((await app.send('GET', `${base}/${item.id}`)).status).toBe(404);
      expect((await app.send('GET', base)).body[plural]).toEqual([]);
      // Its claims went with it: the same object can be made again.
      expect((await app.send('POST', base, { body: body(1) })).status).toBe(201);
    });

    it('answers 404 for an unknown id and 400 for what cannot be an id', async () => {
      const unknown = `${base}/0123456789abcdef`;
      expect((await app.send('GET', unknown)).body.error?.code).toBe(`${type}_not_found`);
      expect((await app.send('PATCH', unknown, { body: change, ifMatch: '"1"' })).status).toBe(404);
      expect((await app.send('DELETE', unknown, { ifMatch: '"1"' })).status).toBe(404);
      const malformed = await app.send('GET', `${base}/not-an-id`);
      expect(malformed.status).toBe(400);
      expect(malformed.body.error?.message).toContain('path.id');
    });

    describe('If-Match', () => {
      it('is required to change or delete (428), and an older version is refused (412); neither changes anything', async () => {
        const item = await create(1);
        await app.send('PATCH', `${base}/${item.id}`, { body: change, ifMatch: '"1"' });
        const before = await snapshot(ctx);

        for (const method of ['PATCH', 'DELETE']) {
          const missing = await app.send(method, `${base}/${item.id}`, {
            body: method === 'PATCH' ? change : undefined,
          });
          expect(missing.status).toBe(428);
          expect(missing.body.error?.code).toBe('precondition_required');
          expect(missing.body.error?.message).toContain('If-Match');

          const stale = await app.send(method, `${base}/${item.id}`, {
            body: method === 'PATCH' ? change : undefined,
            ifMatch: '"1"',
          });
          expect(stale.status).toBe(412);
          expect(stale.body.error).toMatchObject({
            code: 'version_mismatch',
            details: [{ field: 'header.if-match', problem: 'the current ETag is "2"' }],
          });

          // "*" would match any version, which is exactly the overwrite If-Match is here to prevent.
          for (const junk of ['yesterday', '*', '"1", "2"']) {
            const refused = await app.send(method, `${base}/${item.id}`, {
              body: method === 'PATCH' ? change : undefined,
              ifMatch: junk,
            });
            expect(refused.status).toBe(400);
            expect(refused.body.error?.message).toContain('header.if-match');
          }
        }
        expect(await snapshot(ctx)).toEqual(before);
      });

      it('accepts the ETag weakened (W/"2"), as proxies may pass it on', async () => {
        const item = await create(1);
        expect((await app.send('PATCH', `${base}/${item.id}`, { body: change, ifMatch: 'W/"1"' })).status).toBe(200);
        expect((await app.send('DELETE', `${base}/${item.id}`, { ifMatch: 'W/"2"' })).status).toBe(204);
      });

      it('prevents the lost update when two admins edit the same object', async () => {
        const item = await create(1);
        const anna = await app.t.tokenFor('municipality-admin', VANNAS, 'Anna');
        const bo = await app.t.tokenFor('municipality-admin', VANNAS, 'Bo');
        // Both read version 1, both send their change based on it; Anna's arrives first.
        const [annaRead, boRead] = await Promise.all(
          [anna, bo].map((auth) => app.send('GET', `${base}/${item.id}`, { auth })),
        );
        const boChange = Object.fromEntries(Object.entries(body(2)).filter(([field]) => field !== 'municipalityId'));
        expect(annaRead!.headers.get('etag')).toBe('"1"');
        expect(
          (
            await app.send('PATCH', `${base}/${item.id}`, {
              auth: anna,
              body: change,
              ifMatch: annaRead!.headers.get('etag')!,
            })
          ).status,
        ).toBe(200);
        const lost = await app.send('PATCH', `${base}/${item.id}`, {
          auth: bo,
          body: boChange,
          ifMatch: boRead!.headers.get('etag')!,
        });
        expect(lost.status).toBe(412);
        expect((await app.send('GET', `${base}/${item.id}`)).body).toMatchObject({
          version: 2,
          ...(type === 'extension' ? change : {}),
        });

        // Bo reads again and applies his change to what Anna left.
        const fresh = await app.send('GET', `${base}/${item.id}`, { auth: bo });
        expect(
          (
            await app.send('PATCH', `${base}/${item.id}`, {
              auth: bo,
              body: boChange,
              ifMatch: fresh.headers.get('etag')!,
            })
          ).status,
        ).toBe(200);

        const entries = (
          await app.send('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=${type}&objectId=${item.id}`)
        ).body.entries as { action: string; actor: { name: string } }[];
        expect(entries.map((e) => `${e.action} by ${e.actor.name}`)).toEqual([
          'update by Bo',
          'update by Anna',
          'create by Region Admin',
        ]);
      });
    });

    it('pages through 25 objects 10 at a time: every one once, in order, then no cursor', async () => {
      const made = [];
      for (let n = 0; n < 25; n++) made.push((await create(n)).id);
      for (let n = 0; n < 3; n++) await create(n, UMEA);

      const seen: Item[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      do {
        const { status, body: page } = await app.send(
          'GET',
          `${base}?municipality=${VANNAS}&limit=10${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(status).toBe(200);
        seen.push(...(page[plural] as Item[]));
        pages.push((page[plural] as Item[]).length);
        cursor = page.nextCursor as string | undefined;
      } while (cursor);

      expect(pages).toEqual([10, 10, 5]);
      expect(seen.map((i) => i.id).sort()).toEqual([...made].sort());
      expect(seen.every((i) => i.municipalityId === VANNAS)).toBe(true);
      // In creation order here, since body(n) numbers grow with n: the list's order is the natural key's.
      expect(seen.map((i) => i.id)).toEqual(made);
      expect(((await app.send('GET', `${base}?limit=500`)).body[plural] as Item[]).length).toBe(28);
      expect((await app.send('GET', `${base}?cursor=bm90IGEgY3Vyc29y`)).status).toBe(400);
      expect((await app.send('GET', `${base}?limit=0`)).body.error?.message).toContain('query.limit');
    });

    it('audits each change in the municipality’s log with who, what, before and after', async () => {
      const item = await create(1);
      await app.send('PATCH', `${base}/${item.id}`, { body: change, ifMatch: '"1"' });
      await app.send('DELETE', `${base}/${item.id}`, { ifMatch: '"2"' });

      const { body: log } = await app.send(
        'GET',
        `/api/v1/audit?municipality=${VANNAS}&objectType=${type}&objectId=${item.id}`,
      );
      const entries = log.entries as {
        action: string;
        actor: { name: string; role: string };
        municipalityId: string;
        before?: Item;
        after?: Item;
      }[];
      expect(entries.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
      expect(
        entries.every(
          (e) => e.actor.name === 'Region Admin' && e.actor.role === 'region-admin' && e.municipalityId === VANNAS,
        ),
      ).toBe(true);
      const [deleted, updated, created] = entries;
      expect(created!.before).toBeUndefined();
      expect(created!.after).toMatchObject({ version: 1 });
      expect(updated!.before).toEqual(created!.after);
      expect(updated!.after).toMatchObject({ version: 2 });
      expect(deleted!.before).toEqual(updated!.after);
      expect(deleted!.after).toBeUndefined();
    });

    describe('a municipality admin', () => {
      it('sees and changes only their own municipality’s objects (403 other_municipality otherwise)', async () => {
        const own = await create(1, VANNAS);
        const other = await create(1, UMEA);
        const vannas = await app.t.tokenFor('municipality-admin', VANNAS, 'IT Vännäs');
        const before = await snapshot(ctx);

        const listed = await app.send('GET', base, { auth: vannas });
        expect((listed.body[plural] as Item[]).map((i) => i.id)).toEqual([own.id]);
        for (const [method, path, payload, ifMatch] of [
          ['GET', `${base}?municipality=${UMEA}`],
          ['GET', `${base}/${other.id}`],
          ['POST', base, body(2, UMEA)],
          ['PATCH', `${base}/${other.id}`, change, '"1"'],
          ['DELETE', `${base}/${other.id}`, undefined, '"1"'],
        ] as const) {
          const answer = await app.send(method, path, { auth: vannas, body: payload, ifMatch });
          expect(answer.status, `${method} ${path}`).toBe(403);
          expect(answer.body.error?.code).toBe('other_municipality');
        }
        expect(await snapshot(ctx)).toEqual(before);
        expect(
          (await app.send('PATCH', `${base}/${own.id}`, { auth: vannas, body: change, ifMatch: '"1"' })).status,
        ).toBe(200);
      });
    });

    it('lets exactly one of 20 concurrent creates of the same object through; the others get 409', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => app.send('POST', base, { body: body(7) })));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      const refused = answers.filter((a) => a.status !== 201);
      expect(refused).toHaveLength(19);
      expect(refused.every((a) => a.status === 409 && a.body.error?.code === 'claim_taken')).toBe(true);
      expect((await app.send('GET', base)).body[plural]).toHaveLength(1);
      expect(
        (await app.send('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=${type}`)).body.entries,
      ).toHaveLength(1);
    });
  },
);

describe('atomicity', () => {
  it('lets one of 20 app instances, each on its own connection, claim an extension at the same moment', async () => {
    const instances = await Promise.all(
      Array.from({ length: 20 }, async () => createAdminStores(await ctx.connect(), ctx.k, app.t.audit, app.t.region)),
    );
    const outcomes = await Promise.allSettled(
      instances.map((s) => s.extensions.create(resources[0].body(9), setupActor)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes.filter((o) => o.status === 'rejected' && (o.reason as { status?: number }).status === 409),
    ).toHaveLength(19);
  });

  it('leaves every key as it was when a change is refused half-way through its claims', async () => {
    const a = (
      await app.send('POST', '/api/v1/extensions', { body: { ...resources[0].body(1), directNumber: '0935-141 11' } })
    ).body as unknown as Item;
    await app.send('POST', '/api/v1/numbers', { body: { ...resources[1].body(1), number: '0935-141 22' } });
    const before = await snapshot(ctx);

    // A new extension number that is free, and a direct number that another object holds: the
    // first claim would succeed, the second fails, so neither may be taken.
    const refused = await app.send('PATCH', `/api/v1/extensions/${a.id}`, {
      body: { extension: '2460555', directNumber: '0935-141 22', password: 'another long password' },
      ifMatch: '"1"',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toBe('body.directNumber: 0935-141 22 is already held by number 0935-141 22');
    expect(await snapshot(ctx)).toEqual(before);
    expect(await app.t.admin.extensions.sipCredentials('2460555')).toBeUndefined();
  });

  it('leaves every key as it was when Redis itself fails a write late in the change', async () => {
    await app.send('POST', '/api/v1/extensions', { body: resources[0].body(1) });
    // Corrupt a key the change writes near its end (the extension's referrers), as a bug or an operator might.
    await ctx.redis.set(ctx.k.claimRefs('extension:2460101'), 'not a set');
    const before = await snapshot(ctx);

    const failed = await app.send('POST', '/api/v1/numbers', {
      body: { ...resources[1].body(1), target: { kind: 'extension', extension: '2460101' } },
    });
    expect(failed.status).toBe(500);
    expect(failed.body.error?.code).toBe('internal_error');
    expect(await snapshot(ctx)).toEqual(before);
  });
});
