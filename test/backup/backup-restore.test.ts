import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { restoreBackup } from '../../src/backup/restore-backup.js';
import { takeBackup } from '../../src/backup/take-backup.js';
import type { BackupFile } from '../../src/backup/backup-file.js';
import { ConfigError } from '../../src/config/load-region.js';
import { AppError } from '../../src/errors.js';
import { startRedisServer, type RedisServer } from '../../src/lab/redis-server.js';
import { keys } from '../../src/store/keys.js';
import { connectRedis } from '../../src/store/redis-client.js';
import { PASSWORD, adminApp } from '../admin/support.js';
import { buildTestApp } from '../support/http-app.js';
import { VANNAS } from '../support/municipalities.js';
import { type RedisTestContext, caller, useRedis } from '../support/redis.js';
import { storedState } from '../support/stored-state.js';

/** The region that is backed up: filled through the API. */
const source = useRedis();

/** The fresh Redis restored into: a server of its own, as after a disaster. */
let targetServer: RedisServer;
let target: RedisTestContext;
beforeAll(async () => {
  targetServer = await startRedisServer();
});
afterAll(async () => {
  await targetServer?.stop();
});
beforeEach(async () => {
  const redis = await connectRedis(targetServer.url, { name: 'test-target' });
  target = { server: targetServer, redis, k: keys(source.k.prefix), connect: () => connectRedis(targetServer.url) };
});
afterEach(async () => {
  await target.redis.flushAll();
  await target.redis.close();
});

const actor = localActor('test restore');
const stores = (app: Awaited<ReturnType<typeof buildTestApp>>) => ({
  admin: app.admin,
  entries: app.entries,
  tokens: app.tokens,
  pins: app.selfService.pins,
  audit: app.audit,
});

/** A region configured through the API: every kind of admin object, a directory entry and an operator's token. */
async function fillRegion() {
  const app = await adminApp(source);
  const ok = async (method: string, path: string, body?: unknown, ifMatch?: string) => {
    const answer = await app.send(method, path, { body, ...(ifMatch ? { ifMatch } : {}) });
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return answer.body;
  };
  const entry = await ok('POST', '/api/v1/directory/entries', {
    kind: 'person',
    givenName: 'Åsa',
    familyName: 'Öberg',
    municipalityId: VANNAS,
    title: 'Bygglovshandläggare',
    keywords: ['bygglov'],
    phoneNumbers: ['0935-141 23'],
    extension: '2460123',
  });
  const extension = await ok('POST', '/api/v1/extensions', {
    extension: '2460123',
    displayName: 'Åsa Öberg',
    municipalityId: VANNAS,
    directNumber: '0935-141 24',
    directoryEntryId: entry.id,
    password: PASSWORD,
  });
  await ok('POST', '/api/v1/numbers', {
    number: '0935-142 00',
    municipalityId: VANNAS,
    target: { kind: 'extension', extension: '2460123' },
  });
  await ok('PATCH', `/api/v1/opening-hours/${VANNAS}`, { weekly: { monday: ['07:00-12:00'] } }, '"0"');
  await ok(
    'PATCH',
    `/api/v1/opening-hours/${VANNAS}`,
    { override: { state: 'open', until: '2030-01-01T00:00:00+01:00' } },
    '"1"',
  );
  await ok('POST', '/api/v1/opening-hours-exceptions', {
    municipalityId: VANNAS,
    start: '2026-12-24T00:00:00+01:00',
    end: '2026-12-25T00:00:00+01:00',
    kind: 'closed',
    reason: 'Julafton',
  });
  await ok('POST', '/api/v1/greetings', { municipalityId: VANNAS, greeting: 'Vännäs kommun, välkommen' });
  await ok('PATCH', `/api/v1/queue-policies/${VANNAS}`, { announceEverySeconds: 60 }, '"0"');
  await ok('PATCH', `/api/v1/dial-policies/${VANNAS}`, { extensionDailyCap: { calls: 50, minutes: 120 } }, '"0"');
  const operator = await ok('POST', '/api/v1/tokens', { name: 'Eva', role: 'operator', municipalityId: VANNAS });
  await ok('POST', '/api/v1/operator-accounts', {
    name: 'Eva Telefonist',
    municipalityId: VANNAS,
    phone: 'sip:eva@10.0.0.21:5060',
    municipalities: [{ id: VANNAS, weight: 2 }],
    tokenId: (operator.record as { id: string }).id,
  });
  return { app, admin: app.admin, operatorToken: operator.token as string, extensionId: extension.id as string };
}

/** What the API answers about the region: the same before a backup and after its restore. */
async function answers(app: Awaited<ReturnType<typeof buildTestApp>>, token: string) {
  await app.search.start();
  try {
    const get = async (path: string) => {
      const { status, body } = await app.call('GET', path, { auth: token });
      return { status, body };
    };
    const paths = [
      '/api/v1/directory/search?q=bygglov',
      '/api/v1/directory/search?q=oberg%20vannas',
      `/api/v1/directory/entries?municipality=${VANNAS}`,
      '/api/v1/extensions',
      '/api/v1/numbers',
      `/api/v1/opening-hours/${VANNAS}`,
      `/api/v1/opening-hours-exceptions?municipality=${VANNAS}`,
      `/api/v1/greetings/${VANNAS}`,
      `/api/v1/queue-policies/${VANNAS}`,
      `/api/v1/dial-policies/${VANNAS}`,
      '/api/v1/operator-accounts',
      '/api/v1/tokens',
      // The routing of the region's numbers: main, a direct number, a numbers entry, on a weekday and at Christmas.
      ...['0935-141 00', '0935-141 24', '0935-142 00', '090-16 10 00'].flatMap((number) =>
        ['2026-12-07T10:00:00+01:00', '2026-12-24T10:00:00+01:00'].map(
          (at) => `/api/v1/routing/simulate?${new URLSearchParams({ number, at })}`,
        ),
      ),
    ];
    return Object.fromEntries(await Promise.all(paths.map(async (path) => [path, await get(path)] as const)));
  } finally {
    await app.search.stop();
  }
}

describe('backup and restore of the region', () => {
  it('restores into a fresh Redis a region that answers, routes, searches and authenticates as before', async () => {
    const { app, admin, operatorToken, extensionId } = await fillRegion();
    // The person's PIN for the personal page: long enough not to turn up in the file's hex by chance.
    const pin = '80734125';
    const setPin = await app.t.call('PUT', `/api/v1/extensions/${extensionId}/pin`, { auth: admin, body: { pin } });
    expect(setPin.status).toBe(204);
    const before = await answers(app.t, admin);
    for (const [path, { status }] of Object.entries(before)) expect(status, path).toBe(200);
    expect(before['/api/v1/directory/search?q=bygglov']!.body).toMatchObject({
      hits: [{ entry: { name: 'Åsa Öberg' } }],
    });
    const backup = await takeBackup(source.redis, source.k, stores(app.t), app.t.region);
    // Through JSON, as the file goes.
    const text = JSON.stringify(backup);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(operatorToken);
    expect(text).not.toContain(pin);
    expect(Object.keys(backup.extensionPins)).toEqual([extensionId]);

    // A fresh switchboard's Redis: the region config synced, nothing configured.
    const fresh = await buildTestApp(target);
    const report = await restoreBackup(target.redis, target.k, stores(fresh), text, { source: 'backup.json', actor });
    expect(report.counts).toMatchObject({
      extension: 1,
      number: 1,
      'opening-hours': 1,
      directory: 1,
      tokens: 2,
      'extension PINs': 1,
    });

    expect(await answers(fresh, admin)).toEqual(before);
    // The operator's token logs in as before, and is the same operator.
    const queues = await fresh.call('GET', '/api/v1/queues', { auth: operatorToken });
    expect(queues.status).toBe(200);
    // Staff sign in on the personal page with the PIN they had: nobody is locked out by a restore.
    const signIn = await fresh.call('POST', '/api/v1/self/sign-in', { body: { extension: '2460123', pin } });
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    // The SIP credentials are the same digest.
    expect(await fresh.admin.extensions.secretByClaim('extension:2460123')).toBe(
      await app.t.admin.extensions.secretByClaim('extension:2460123'),
    );
    // Versions go on: the next change is based on the restored one, and audited.
    const changed = await fresh.call('PATCH', `/api/v1/extensions/${extensionId}`, {
      auth: admin,
      body: { displayName: 'Åsa Öberg-Lind' },
      headers: { 'if-match': '"1"' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    const restoreAudit = ((await target.redis.xRange(target.k.audit('region'), '-', '+')) ?? []).map((e) => e.message);
    expect(restoreAudit).toContainEqual(expect.objectContaining({ action: 'create', objectType: 'restore' }));
  });

  it('takes the call records and the audit log along when asked, keeping their ids', async () => {
    const { app, admin } = await fillRegion();
    // Two calls that ended (abandoned) and one still waiting, which is no configuration and stays behind.
    for (const id of ['call-1', 'call-2', 'call-3']) await app.t.queue.enqueue(caller(id, VANNAS));
    await app.t.queue.finish('call-1');
    await app.t.queue.finish('call-2');
    const today = DateTime.now().setZone('Europe/Stockholm');
    const statistics = `/api/v1/statistics/municipalities/${VANNAS}?${new URLSearchParams({
      from: today.toISODate()!,
      to: today.plus({ days: 1 }).toISODate()!,
    })}`;
    const before = await app.t.call('GET', statistics, { auth: admin });
    // Statistics count ended calls.
    expect(before.body).toMatchObject({ total: { offered: 2, abandoned: 2 } });

    const backup = await takeBackup(source.redis, source.k, stores(app.t), app.t.region, {
      withAudit: true,
      withCalls: true,
    });
    const fresh = await buildTestApp(target);
    const report = await restoreBackup(target.redis, target.k, stores(fresh), JSON.stringify(backup), {
      source: 'b.json',
      actor,
    });
    expect(report.counts).toMatchObject({ calls: 2 });
    const after = await fresh.call('GET', statistics, { auth: admin });
    expect(after.body).toEqual(before.body);
    const sourceLog = ((await source.redis.xRange(source.k.audit(VANNAS), '-', '+')) ?? []).map((e) => e.id);
    const targetLog = ((await target.redis.xRange(target.k.audit(VANNAS), '-', '+')) ?? []).map((e) => e.id);
    expect(sourceLog.length).toBeGreaterThan(5);
    expect(targetLog).toEqual(sourceLog);
  });

  it('refuses a corrupt file naming the field, and a region with data; a dry run writes nothing', async () => {
    const { app } = await fillRegion();
    const backup = await takeBackup(source.redis, source.k, stores(app.t), app.t.region);
    const fresh = await buildTestApp(target);
    const empty = await storedState(target);
    const restore = (file: unknown, dryRun = false) =>
      restoreBackup(target.redis, target.k, stores(fresh), typeof file === 'string' ? file : JSON.stringify(file), {
        source: 'backup.json',
        actor,
        dryRun,
      });

    const corrupt = structuredClone(backup) as { admin: Record<string, { doc: Record<string, unknown> }[]> };
    corrupt.admin.extension![0]!.doc.extension = '12ab';
    const refused = await restore(corrupt).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems.join('\n')).toMatch(/^admin\.extension\[0\]\.doc\.extension: /m);
    // Right in itself, wrong against the rest: the extension's directory entry left out of the file.
    const dangling = await restore({ ...backup, directory: [] }).catch((error: unknown) => error);
    expect((dangling as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^admin\.extension\[0\]\.doc\.directoryEntryId: points at directory-entry:\S+, which nothing/,
      ),
    ]);
    const truncated = await restore(JSON.stringify(backup).slice(0, 200)).catch((error: unknown) => error);
    expect((truncated as ConfigError).problems[0]).toContain('is not JSON');
    const newer = await restore({ ...backup, formatVersion: 3 }).catch((error: unknown) => error);
    expect((newer as ConfigError).problems.join('\n')).toMatch(/^formatVersion: must be 1 or 2/m);
    // A PIN hash of an extension the file does not hold, and a PIN where its hash belongs.
    const extensionId = backup.admin.extension![0]!.id;
    const strayPin = await restore({
      ...backup,
      extensionPins: { ['0'.repeat(16)]: `${'a'.repeat(32)}:${'b'.repeat(64)}`, [extensionId]: '4711' },
    }).catch((error: unknown) => error);
    expect((strayPin as ConfigError).problems.join('\n')).toMatch(
      new RegExp(`^extensionPins\\.${extensionId}: must be a PIN hash`, 'm'),
    );
    const noExtension = await restore({
      ...backup,
      extensionPins: { ['0'.repeat(16)]: `${'a'.repeat(32)}:${'b'.repeat(64)}` },
    }).catch((error: unknown) => error);
    expect((noExtension as ConfigError).problems).toEqual([
      'extensionPins.0000000000000000: no extension in the backup has this id',
    ]);
    expect(await storedState(target)).toEqual(empty);

    const dry = await restore(backup, true);
    expect(dry).toMatchObject({ dryRun: true, counts: { extension: 1, directory: 1 } });
    expect(await storedState(target)).toEqual(empty);

    await restore(backup);
    const restored = await storedState(target);
    const again = await restore(backup).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(AppError);
    expect(again).toMatchObject({ status: 409, code: 'region_not_empty' });
    expect(await storedState(target)).toEqual(restored);
  });

  it('reads a file of format version 1 (before PINs were backed up): its extensions come back without a PIN', async () => {
    const { app } = await fillRegion();
    const backup: Partial<BackupFile> = await takeBackup(source.redis, source.k, stores(app.t), app.t.region);
    delete backup.extensionPins;
    const fresh = await buildTestApp(target);
    const report = await restoreBackup(
      target.redis,
      target.k,
      stores(fresh),
      JSON.stringify({ ...backup, formatVersion: 1 }),
      { source: 'old.json', actor },
    );
    expect(report.counts).toMatchObject({ extension: 1, 'extension PINs': 0 });
  });
});
