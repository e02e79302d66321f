import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import type { Principal, Role } from '../../src/auth/access.js';
import { localActor } from '../../src/auth/token-store.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { AppError } from '../../src/errors.js';
import { createHttpApp } from '../../src/http/app.js';
import type { AriConnection } from '../../src/media/ari-connection.js';
import type { MetricsSettings } from '../../src/metrics/metrics.js';
import { createServices, type ServiceSettings } from '../../src/services.js';
import { DEFAULT_DTLS_CERT_FILE } from '../../src/media/softphone/softphone-credentials.js';
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

/**
 * Where the test file's apps keep spoken texts (made private to this user, as the app requires),
 * removed after the file: a hook of the file that imports this.
 */
const spokenTextCache = mkdtempSync(join(tmpdir(), 'rv-test-spoken-'));
afterAll(() => rmSync(spokenTextCache, { recursive: true, force: true }));

/** OPERATOR_PHONE_NETWORKS of the test app. */
export const TEST_OPERATOR_PHONE_NETWORKS = ['127.0.0.0/8', '10.0.0.0/8'];

export type Json = Record<string, unknown> & {
  error?: { code: string; message: string; details?: { field: string }[] };
};

/** The HTTP app on this test's Redis keys, the region synced, and a way to call it with any token. */
export async function buildTestApp(
  ctx: RedisTestContext,
  {
    metrics,
    messageDelivery,
  }: { metrics?: MetricsSettings; messageDelivery?: ServiceSettings['messageDelivery'] } = {},
) {
  const region = await loadRegionConfig(resolve('config/region.yaml'));
  // The switchboard's own wiring (src/services.ts), only without Asterisk. The search is not
  // started: a test that searches starts it (it follows changes on a connection of its own).
  const services = createServices(ctx.redis, ctx.k, {
    region,
    auditRetentionDays: 30,
    // The operator phones these tests log in with: on loopback and 10.x.
    leg: {
      app: 'test',
      endpoint: 'operator-phones',
      ringSeconds: 20,
      mediaNode: 'test',
      phoneNetworks: TEST_OPERATOR_PHONE_NETWORKS,
    },
    ari: unreachableAsterisk,
    // Asterisk, out of reach here, would fetch them from a switchboard's HTTP server.
    spokenText: { cacheDir: spokenTextCache, baseUrl: () => 'http://127.0.0.1:8080' },
    // Node's process metrics watch the event loop and GC from each app: one test process builds many.
    metrics: { processMetrics: false, ...metrics },
    // Messages by e-mail and SMS, to the test's SMTP server and SMS gateway; its delivery job is started by the test.
    messageDelivery,
    // Browser phones need Asterisk, out of reach here (503).
    softphone: { wsUrl: 'ws://127.0.0.1:8088/ws', dtlsCertFile: DEFAULT_DTLS_CERT_FILE },
  });
  await services.directory.syncRegion(region);
  const app = createHttpApp({ ...services, ari: unreachableAsterisk });
  const { tokens } = services;

  async function tokenFor(role: Role, municipalityId?: string, name: string = role): Promise<string> {
    return (await tokens.create({ name, role, municipalityId }, localActor('test setup'))).token;
  }

  async function call(
    method: string,
    path: string,
    {
      body,
      auth,
      raw,
      headers: extra = {},
    }: { body?: unknown; auth?: string | null; raw?: string; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...extra };
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(path, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Json };
  }

  return { ...services, app, tokenFor, call };
}

export type { Principal };
