import { resolve } from 'node:path';
import { createAdminStores } from '../../src/admin/index.js';
import type { Principal, Role } from '../../src/auth/access.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createTokenStore, localActor } from '../../src/auth/token-store.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { createDirectoryStore } from '../../src/directory/directory-store.js';
import { createDirectorySearch } from '../../src/directory/entries/directory-search.js';
import { createDirectoryEntryStore } from '../../src/directory/entries/entry-store.js';
import { AppError } from '../../src/errors.js';
import { createHttpApp } from '../../src/http/app.js';
import type { AriConnection } from '../../src/media/ari-connection.js';
import { DEFAULT_CALL_CONTROL } from '../../src/media/call-control/call-control.js';
import { createCallControlService } from '../../src/media/call-control/index.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { createCallStatistics } from '../../src/statistics/call-statistics.js';
import type { RedisTestContext } from './redis.js';

/**
 * Asterisk out of reach — a state the API must handle (503, nothing lost) — said exactly as
 * ari-connection.ts says it while disconnected. HTTP tests run against a real Redis only.
 */
const unreachableAsterisk: AriConnection = {
  client() {
    throw new AppError(503, 'ari_unavailable', 'The media server (Asterisk) cannot be reached right now');
  },
  isConnected: () => false,
  close: () => undefined,
};

export type Json = Record<string, unknown> & { error?: { code: string; message: string; details?: { field: string }[] } };

/** The HTTP app on this test's Redis keys, the region synced, and a way to call it with any token. */
export async function buildTestApp(ctx: RedisTestContext) {
  const directory = createDirectoryStore(ctx.redis, ctx.k);
  const region = await loadRegionConfig(resolve('config/region.yaml'));
  await directory.syncRegion(region);
  const queue = createCallQueue(ctx.redis, ctx.k);
  const audit = createAuditLog(ctx.redis, ctx.k, { retentionDays: 30 });
  const tokens = createTokenStore(ctx.redis, ctx.k, audit);
  const admin = createAdminStores(ctx.redis, ctx.k, audit, region);
  const entries = createDirectoryEntryStore(ctx.redis, ctx.k, audit);
  // Not started: a test that searches starts it (it follows changes on a connection of its own).
  const search = createDirectorySearch(ctx.redis, ctx.k);
  const operators = createOperatorStore(ctx.redis, ctx.k);
  const leg = { app: 'test', endpoint: 'operator-phones', ringSeconds: 20 };
  const callControl = createCallControlService({ redis: ctx.redis, k: ctx.k, queue, operators, directory, entries, ari: unreachableAsterisk, leg, settings: DEFAULT_CALL_CONTROL });
  const app = createHttpApp({
    redis: ctx.redis,
    ari: unreachableAsterisk,
    queue,
    operators,
    directory,
    tokens,
    audit,
    admin,
    entries,
    search,
    region,
    statistics: createCallStatistics(ctx.redis, ctx.k, region),
    callControl,
    leg,
  });

  async function tokenFor(role: Role, municipalityId?: string, name: string = role): Promise<string> {
    return (await tokens.create({ name, role, municipalityId }, localActor('test setup'))).token;
  }

  async function call(
    method: string,
    path: string,
    { body, auth, raw, headers: extra = {} }: { body?: unknown; auth?: string | null; raw?: string; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...extra };
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(path, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Json };
  }

  return { app, callControl, queue, tokens, audit, directory, admin, entries, search, region, tokenFor, call };
}

export type { Principal };
