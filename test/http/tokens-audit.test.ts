import { beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();
let t: Awaited<ReturnType<typeof buildTestApp>>;
let admin: string;

beforeEach(async () => {
  t = await buildTestApp(ctx);
  admin = await t.tokenFor('region-admin', undefined, 'Region Admin');
});

describe('tokens', () => {
  it('shows a new token once, stores no secret, and a revoked token stops working at once', async () => {
    const created = await t.call('POST', '/api/v1/tokens', { auth: admin, body: { name: 'Anna', role: 'operator', expiresInDays: 90 } });
    expect(created.status).toBe(201);
    const { token, record } = created.body as { token: string; record: { id: string; expiresAt: string } };
    expect(token).toMatch(/^rv_[\w-]{43}$/);
    expect(Date.parse(record.expiresAt)).toBeGreaterThan(Date.now() + 89 * 86_400_000);

    // Nothing in Redis holds the token itself.
    for (const key of await ctx.redis.keys(`${ctx.k.prefix}:*`)) {
      const type = await ctx.redis.type(key);
      const dump = type === 'string' ? await ctx.redis.get(key) : type === 'hash' ? JSON.stringify(await ctx.redis.hGetAll(key)) : JSON.stringify(await ctx.redis.xRange(key, '-', '+').catch(() => []));
      expect(dump ?? '').not.toContain(token);
      expect(key).not.toContain(token);
    }
    const listed = await t.call('GET', '/api/v1/tokens', { auth: admin });
    expect(JSON.stringify(listed.body)).not.toContain(token);

    expect((await t.call('GET', '/api/v1/queues', { auth: token })).status).toBe(200);
    expect((await t.call('DELETE', `/api/v1/tokens/${record.id}`, { auth: admin })).status).toBe(204);
    expect((await t.call('GET', '/api/v1/queues', { auth: token })).status).toBe(401);
    expect((await t.call('DELETE', `/api/v1/tokens/${record.id}`, { auth: admin })).status).toBe(404);
  });

  it.each([
    [{ name: 'x', role: 'municipality-admin' }, 'municipalityId'],
    [{ name: 'x', role: 'operator', municipalityId: '2460' }, 'municipalityId'],
    [{ name: '', role: 'operator' }, 'body.name'],
    [{ name: 'x', role: 'king' }, 'body.role'],
    [{ name: 'x', role: 'operator', expiresInDays: 0 }, 'body.expiresInDays'],
  ])('refuses %j with 400 naming %s, and makes no token', async (body, field) => {
    const before = (await t.call('GET', '/api/v1/tokens', { auth: admin })).body.tokens;
    const { status, body: answer } = await t.call('POST', '/api/v1/tokens', { auth: admin, body });
    expect(status).toBe(400);
    expect(answer.error?.message).toContain(field);
    expect((await t.call('GET', '/api/v1/tokens', { auth: admin })).body.tokens).toEqual(before);
  });
});

describe('audit log', () => {
  it('records who made and revoked which token, before and after, per municipality, newest first', async () => {
    const created = await t.call('POST', '/api/v1/tokens', { auth: admin, body: { name: 'IT Vännäs', role: 'municipality-admin', municipalityId: '2460' } });
    const id = (created.body.record as { id: string }).id;
    await t.call('DELETE', `/api/v1/tokens/${id}`, { auth: admin });

    const { status, body } = await t.call('GET', `/api/v1/audit?municipality=2460&objectType=token&objectId=${id}`, { auth: admin });
    expect(status).toBe(200);
    const entries = body.entries as { action: string; actor: { name: string }; object: { id: string }; before?: unknown; after?: unknown }[];
    expect(entries.map((e) => e.action)).toEqual(['delete', 'create']);
    expect(entries.every((e) => e.actor.name === 'Region Admin' && e.object.id === id)).toBe(true);
    expect(entries[0]!.before).toMatchObject({ name: 'IT Vännäs', municipalityId: '2460' });
    expect(entries[1]!.after).toMatchObject({ name: 'IT Vännäs' });
    expect(JSON.stringify(entries)).not.toMatch(/rv_[\w-]{43}/);

    // Umeå's log does not have Vännäs's changes; the region's log has the region-wide tokens made in setup.
    expect((await t.call('GET', '/api/v1/audit?municipality=2480', { auth: admin })).body.entries).toEqual([]);
    expect(((await t.call('GET', '/api/v1/audit', { auth: admin })).body.entries as unknown[]).length).toBeGreaterThan(0);
  });

  it('pages with before= and refuses a malformed cursor', async () => {
    for (let i = 0; i < 3; i++) await t.call('POST', '/api/v1/tokens', { auth: admin, body: { name: `IT ${i}`, role: 'municipality-admin', municipalityId: '2404' } });
    const first = (await t.call('GET', '/api/v1/audit?municipality=2404&limit=2', { auth: admin })).body.entries as { id: string }[];
    const rest = (await t.call('GET', `/api/v1/audit?municipality=2404&limit=2&before=${first[1]!.id}`, { auth: admin })).body.entries as { id: string }[];
    expect(first).toHaveLength(2);
    expect(rest).toHaveLength(1);
    expect(new Set([...first, ...rest].map((e) => e.id)).size).toBe(3);
    expect((await t.call('GET', '/api/v1/audit?before=yesterday', { auth: admin })).status).toBe(400);
  });
});
