import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EXPIRED_TOKEN_GRACE_DAYS, localActor } from '../../src/auth/token-store.js';
import { tokenCreateCommand } from '../../src/cli/token-command.js';
import { buildTestApp } from '../support/http-app.js';
import { sleep, useRedis } from '../support/redis.js';

const ctx = useRedis();
let t: Awaited<ReturnType<typeof buildTestApp>>;
let admin: string;
const DAY_MS = 86_400_000;

/** The Redis key of a token's record ({p}:token:{sha256}, store/keys.ts). */
const recordKey = (token: string) => ctx.k.token(createHash('sha256').update(token).digest('hex'));
type TokenView = { id: string; name: string; municipalityId?: string; expiresAt: string; expired: boolean };

beforeEach(async () => {
  t = await buildTestApp(ctx);
  admin = await t.tokenFor('region-admin', undefined, 'Region Admin');
});

describe('tokens', () => {
  it('shows a new token once, stores no secret, and a revoked token stops working at once', async () => {
    const created = await t.call('POST', '/api/v1/tokens', {
      auth: admin,
      body: { name: 'Anna', role: 'operator', expiresInDays: 90 },
    });
    expect(created.status).toBe(201);
    const { token, record } = created.body as { token: string; record: { id: string; expiresAt: string } };
    expect(token).toMatch(/^rv_[\w-]{43}$/);
    expect(Date.parse(record.expiresAt)).toBeGreaterThan(Date.now() + 89 * 86_400_000);

    // Nothing in Redis holds the token itself.
    for (const key of await ctx.redis.keys(`${ctx.k.prefix}:*`)) {
      const type = await ctx.redis.type(key);
      const dump =
        type === 'string'
          ? await ctx.redis.get(key)
          : type === 'hash'
            ? JSON.stringify(await ctx.redis.hGetAll(key))
            : JSON.stringify(await ctx.redis.xRange(key, '-', '+').catch(() => []));
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
    // An operator's token may name an employer (admin/operator-accounts.ts); an auditor's is region-wide.
    [{ name: 'x', role: 'auditor', municipalityId: '2460' }, 'municipalityId'],
    [{ name: '', role: 'operator' }, 'body.name'],
    [{ name: 'x', role: 'king' }, 'body.role'],
    [{ name: 'x', role: 'operator', expiresInDays: 0 }, 'body.expiresInDays'],
    [{ name: 'x', role: 'operator', expiresInDays: 731 }, 'body.expiresInDays'],
    [
      { name: 'x', role: 'municipality-admin', municipalityId: '9999' },
      'body.municipalityId: 9999 is not a member municipality',
    ],
  ])('refuses %j with 400 naming %s, and makes no token', async (body, field) => {
    const before = (await t.call('GET', '/api/v1/tokens', { auth: admin })).body.tokens;
    const { status, body: answer } = await t.call('POST', '/api/v1/tokens', { auth: admin, body });
    expect(status).toBe(400);
    expect(answer.error?.message).toContain(field);
    expect((await t.call('GET', '/api/v1/tokens', { auth: admin })).body.tokens).toEqual(before);
  });
});

describe('token lifetimes', () => {
  it('gives a token without expiresInDays a year, and allows two years at most', async () => {
    const made = await t.call('POST', '/api/v1/tokens', { auth: admin, body: { name: 'Wallboard', role: 'operator' } });
    expect(made.status).toBe(201);
    const record = made.body.record as unknown as TokenView;
    expect(Date.parse(record.expiresAt) - Date.now()).toBeGreaterThan(364 * DAY_MS);
    expect(Date.parse(record.expiresAt) - Date.now()).toBeLessThanOrEqual(365 * DAY_MS);
    expect(record.expired).toBe(false);
    const longest = await t.call('POST', '/api/v1/tokens', {
      auth: admin,
      body: { name: 'Export', role: 'auditor', expiresInDays: 730 },
    });
    expect(longest.status).toBe(201);
    // Redis keeps the record through the grace period after expiry, then drops it by itself.
    const ttl = await ctx.redis.ttl(recordKey(longest.body.token as string));
    expect(ttl).toBeGreaterThan((730 + EXPIRED_TOKEN_GRACE_DAYS) * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual((730 + EXPIRED_TOKEN_GRACE_DAYS) * 86_400);
  });

  it('lists an expired token as expired during its grace period, refuses it, and forgets it after; its audit stays', async () => {
    const { token, record } = await t.tokens.create(
      { name: 'Old export', role: 'auditor', expiresInDays: 1 },
      localActor('test'),
    );
    const stored = JSON.parse((await ctx.redis.get(recordKey(token)))!) as object;
    // Expired yesterday, as time would have it.
    await ctx.redis.set(
      recordKey(token),
      JSON.stringify({ ...stored, expiresAt: new Date(Date.now() - DAY_MS).toISOString() }),
      { KEEPTTL: true },
    );
    expect((await t.call('GET', '/api/v1/queues', { auth: token })).status).toBe(401);
    const listed = (await t.call('GET', '/api/v1/tokens', { auth: admin })).body.tokens as unknown as TokenView[];
    expect(listed.find((r) => r.id === record.id)).toMatchObject({ name: 'Old export', expired: true });

    // The grace period ends: Redis removes the record at its TTL; the hourly job then drops it from the index.
    await ctx.redis.pExpire(recordKey(token), 1);
    await sleep(20);
    expect(await t.tokens.forgetExpired()).toBe(1);
    expect(await ctx.redis.hGet(ctx.k.tokens(), record.id)).toBeNull();
    expect(
      ((await t.call('GET', '/api/v1/tokens', { auth: admin })).body.tokens as unknown as TokenView[]).map((r) => r.id),
    ).not.toContain(record.id);
    expect((await t.call('DELETE', `/api/v1/tokens/${record.id}`, { auth: admin })).status).toBe(404);
    const audit = (await t.call('GET', `/api/v1/audit?objectType=token&objectId=${record.id}`, { auth: admin })).body
      .entries as { action: string }[];
    expect(audit.map((e) => e.action)).toEqual(['create']);
    // Valid tokens stay.
    expect(await t.tokens.forgetExpired()).toBe(0);
    expect((await t.call('GET', '/api/v1/queues', { auth: admin })).status).toBe(200);
  });
});

describe('token list', () => {
  it('pages in creation order with limit and cursor, each token once, and filters by municipality', async () => {
    // A millisecond apart at least: tokens made in the same one are ordered by their (random) id.
    const create = async (name: string, municipalityId: string) => {
      await t.tokens.create({ name, role: 'municipality-admin', municipalityId }, localActor('test'));
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    for (let i = 0; i < 5; i++) await create(`Vännäs ${i}`, '2460');
    for (let i = 0; i < 2; i++) await create(`Umeå ${i}`, '2480');

    const seen: TokenView[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await t.call(
        'GET',
        `/api/v1/tokens?municipality=2460&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { auth: admin },
      );
      expect(status).toBe(200);
      seen.push(...(body.tokens as unknown as TokenView[]));
      cursor = body.nextCursor as string | undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((r) => r.name)).toEqual(['Vännäs 0', 'Vännäs 1', 'Vännäs 2', 'Vännäs 3', 'Vännäs 4']);

    // Without a filter: every token, the setup's region admin first.
    const all = (await t.call('GET', '/api/v1/tokens?limit=500', { auth: admin })).body;
    expect((all.tokens as unknown as TokenView[]).map((r) => r.name)).toEqual([
      'Region Admin',
      ...seen.map((r) => r.name),
      'Umeå 0',
      'Umeå 1',
    ]);
    expect(all.nextCursor).toBeUndefined();

    // A municipality admin pages through their own only.
    const itVannas = await t.tokenFor('municipality-admin', '2460', 'IT Vännäs');
    const own = (await t.call('GET', '/api/v1/tokens?limit=10', { auth: itVannas })).body
      .tokens as unknown as TokenView[];
    expect(own.every((r) => r.municipalityId === '2460')).toBe(true);
    expect(own).toHaveLength(6);
  });

  it.each([
    ['cursor=abc', 'query.cursor'],
    [`cursor=${Buffer.from('2026-01-01T00:00:00.000Z nothex').toString('base64url')}`, 'query.cursor'],
    ['limit=0', 'query.limit'],
    ['limit=501', 'query.limit'],
    ['municipality=24', 'query.municipality'],
    ['page=2', 'query.page'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const { status, body } = await t.call('GET', `/api/v1/tokens?${query}`, { auth: admin });
    expect(status).toBe(400);
    expect(body.error?.details?.map((d) => d.field)).toEqual([field]);
  });
});

describe('vaxel token create', () => {
  /** The command in this process, on the test's Redis and key prefix; what it printed. */
  async function vaxelTokenCreate(...args: string[]): Promise<string> {
    vi.stubEnv('REDIS_URL', ctx.server.url);
    vi.stubEnv('REDIS_PREFIX', ctx.k.prefix);
    const printed = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await tokenCreateCommand(args);
      return printed.mock.calls.map((c) => c.join(' ')).join('\n');
    } finally {
      printed.mockRestore();
      vi.unstubAllEnvs();
    }
  }

  it('checks its arguments as the API does: a non-member municipality or too long a life is refused, naming the flag, and makes nothing', async () => {
    const before = await ctx.redis.hGetAll(ctx.k.tokens());
    await expect(
      vaxelTokenCreate('--name', 'IT', '--role', 'municipality-admin', '--municipality', '9999'),
    ).rejects.toThrow('--municipality: 9999 is not a member municipality');
    await expect(vaxelTokenCreate('--name', 'IT', '--role', 'operator', '--expires-days', '3650')).rejects.toThrow(
      '--expires-days: must be at most 730',
    );
    await expect(vaxelTokenCreate('--name', 'IT', '--role', 'operator', '--expires-days', 'soon')).rejects.toThrow(
      '--expires-days: must be a number of days',
    );
    await expect(vaxelTokenCreate('--role', 'operator')).rejects.toThrow('--name: is required');
    expect(await ctx.redis.hGetAll(ctx.k.tokens())).toEqual(before);

    const out = await vaxelTokenCreate('--name', 'IT Vännäs', '--role', 'municipality-admin', '--municipality', '2460');
    const token = /^rv_[\w-]{43}$/m.exec(out)?.[0];
    expect(token).toBeDefined();
    const listed = (await t.call('GET', '/api/v1/tokens?municipality=2460', { auth: admin })).body
      .tokens as unknown as TokenView[];
    expect(listed.map((r) => r.name)).toEqual(['IT Vännäs']);
    expect(Date.parse(listed[0]!.expiresAt) - Date.now()).toBeGreaterThan(364 * DAY_MS);
    expect((await t.call('GET', '/api/v1/audit?municipality=2460', { auth: token! })).status).toBe(200);
  });
});

describe('audit log', () => {
  it('records who made and revoked which token, before and after, per municipality, newest first', async () => {
    const created = await t.call('POST', '/api/v1/tokens', {
      auth: admin,
      body: { name: 'IT Vännäs', role: 'municipality-admin', municipalityId: '2460' },
    });
    const id = (created.body.record as { id: string }).id;
    await t.call('DELETE', `/api/v1/tokens/${id}`, { auth: admin });

    const { status, body } = await t.call('GET', `/api/v1/audit?municipality=2460&objectType=token&objectId=${id}`, {
      auth: admin,
    });
    expect(status).toBe(200);
    const entries = body.entries as {
      action: string;
      actor: { name: string };
      object: { id: string };
      before?: unknown;
      after?: unknown;
    }[];
    expect(entries.map((e) => e.action)).toEqual(['delete', 'create']);
    expect(entries.every((e) => e.actor.name === 'Region Admin' && e.object.id === id)).toBe(true);
    expect(entries[0]!.before).toMatchObject({ name: 'IT Vännäs', municipalityId: '2460' });
    expect(entries[1]!.after).toMatchObject({ name: 'IT Vännäs' });
    expect(JSON.stringify(entries)).not.toMatch(/rv_[\w-]{43}/);

    // Umeå's log does not have Vännäs's changes; the region's log has the region-wide tokens made in setup.
    expect((await t.call('GET', '/api/v1/audit?municipality=2480', { auth: admin })).body.entries).toEqual([]);
    expect(((await t.call('GET', '/api/v1/audit', { auth: admin })).body.entries as unknown[]).length).toBeGreaterThan(
      0,
    );
  });

  it('pages with before= and refuses a malformed cursor', async () => {
    for (let i = 0; i < 3; i++)
      await t.call('POST', '/api/v1/tokens', {
        auth: admin,
        body: { name: `IT ${i}`, role: 'municipality-admin', municipalityId: '2404' },
      });
    const first = (await t.call('GET', '/api/v1/audit?municipality=2404&limit=2', { auth: admin })).body.entries as {
      id: string;
    }[];
    const rest = (
      await t.call('GET', `/api/v1/audit?municipality=2404&limit=2&before=${first[1]!.id}`, { auth: admin })
    ).body.entries as { id: string }[];
    expect(first).toHaveLength(2);
    expect(rest).toHaveLength(1);
    expect(new Set([...first, ...rest].map((e) => e.id)).size).toBe(3);
    expect((await t.call('GET', '/api/v1/audit?before=yesterday', { auth: admin })).status).toBe(400);
  });

  it.each(['0-0', '99999999999999999999999-1', '18446744073709551616-0', '1-18446744073709551616', '1', '-1-1', ''])(
    'refuses before=%s (Redis would refuse it) with 400 naming query.before',
    async (before) => {
      const { status, body } = await t.call('GET', `/api/v1/audit?before=${before}`, { auth: admin });
      expect(status).toBe(400);
      expect(body.error?.details?.map((d) => d.field)).toEqual(['query.before']);
    },
  );

  it('takes the largest and smallest stream ids as before=', async () => {
    const newest = (
      await t.call('GET', '/api/v1/audit?before=18446744073709551615-18446744073709551615', { auth: admin })
    ).body.entries as unknown[];
    expect(newest.length).toBeGreaterThan(0);
    expect(await t.call('GET', '/api/v1/audit?before=0-1', { auth: admin })).toMatchObject({
      status: 200,
      body: { entries: [] },
    });
  });

  it('never shows an entry older than the retention (30 days here), even while the stream still holds it', async () => {
    // An entry from 31 days ago, written as the log writes entries, with the id of its time.
    const old = t.audit.entry(localActor('test'), {
      action: 'create',
      object: { type: 'token', id: 'aaaaaaaaaaaaaaaa' },
      municipalityId: '2460',
      after: { name: 'Gammal' },
    });
    await ctx.redis.xAdd(old.key, `${Date.now() - 31 * DAY_MS}-0`, old.fields);
    const recent = t.audit.entry(localActor('test'), {
      action: 'create',
      object: { type: 'token', id: 'bbbbbbbbbbbbbbbb' },
      municipalityId: '2460',
      after: { name: 'Ny' },
    });
    await ctx.redis.xAdd(recent.key, `${Date.now() - 29 * DAY_MS}-0`, recent.fields);
    await t.call('POST', '/api/v1/tokens', {
      auth: admin,
      body: { name: 'IT Vännäs', role: 'municipality-admin', municipalityId: '2460' },
    });

    const entries = (await t.call('GET', '/api/v1/audit?municipality=2460', { auth: admin })).body.entries as {
      object: { id: string };
      after: { name: string };
    }[];
    expect(entries.map((e) => e.after.name)).toEqual(['IT Vännäs', 'Ny']);
    expect(
      (await t.call('GET', '/api/v1/audit?municipality=2460&objectId=aaaaaaaaaaaaaaaa', { auth: admin })).body.entries,
    ).toEqual([]);
  });
});
