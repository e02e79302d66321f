import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/access.js';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();
let t: Awaited<ReturnType<typeof buildTestApp>>;
let tokens: Record<Role, string>;

const VANNAS = '2460';
const UMEA = '2480';

beforeEach(async () => {
  t = await buildTestApp(ctx);
  tokens = {
    'region-admin': await t.tokenFor('region-admin'),
    'municipality-admin': await t.tokenFor('municipality-admin', VANNAS),
    operator: await t.tokenFor('operator'),
    auditor: await t.tokenFor('auditor'),
  };
});

type Case = { what: string; method: string; path: string | (() => Promise<string>); body?: unknown; allowed: Role[] };

/** Every role × resource × read/write, written out as the policy says it (not derived from the code's table). */
const cases: Case[] = [
  { what: 'read queues', method: 'GET', path: '/api/v1/queues', allowed: ['region-admin', 'operator', 'auditor'] },
  { what: 'read one queue', method: 'GET', path: `/api/v1/queues/${VANNAS}`, allowed: ['region-admin', 'operator', 'auditor'] },
  { what: 'read call records', method: 'GET', path: '/api/v1/calls', allowed: ['region-admin', 'operator', 'auditor'] },
  { what: 'log in as operator', method: 'POST', path: '/api/v1/operator/session', body: { phone: 'sip:x@127.0.0.1', municipalities: [VANNAS] }, allowed: ['region-admin', 'operator'] },
  { what: 'log out as operator', method: 'DELETE', path: '/api/v1/operator/session', allowed: ['region-admin', 'operator'] },
  { what: 'list own municipality’s tokens', method: 'GET', path: `/api/v1/tokens?municipality=${VANNAS}`, allowed: ['region-admin', 'municipality-admin', 'auditor'] },
  { what: 'list another municipality’s tokens', method: 'GET', path: `/api/v1/tokens?municipality=${UMEA}`, allowed: ['region-admin', 'auditor'] },
  { what: 'list region-wide tokens', method: 'GET', path: '/api/v1/tokens', allowed: ['region-admin', 'municipality-admin', 'auditor'] },
  {
    what: 'create a token for own municipality',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'IT Vännäs', role: 'municipality-admin', municipalityId: VANNAS },
    allowed: ['region-admin', 'municipality-admin'],
  },
  {
    what: 'create a token for another municipality',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'IT Umeå', role: 'municipality-admin', municipalityId: UMEA },
    allowed: ['region-admin'],
  },
  { what: 'create an operator token', method: 'POST', path: '/api/v1/tokens', body: { name: 'Op', role: 'operator' }, allowed: ['region-admin'] },
  {
    what: 'revoke a token of own municipality',
    method: 'DELETE',
    path: async () => `/api/v1/tokens/${(await t.tokens.create({ name: 'victim', role: 'municipality-admin', municipalityId: VANNAS }, { id: 'x', name: 'x', role: 'region-admin' })).record.id}`,
    allowed: ['region-admin', 'municipality-admin'],
  },
  {
    what: 'revoke a token of another municipality',
    method: 'DELETE',
    path: async () => `/api/v1/tokens/${(await t.tokens.create({ name: 'victim', role: 'municipality-admin', municipalityId: UMEA }, { id: 'x', name: 'x', role: 'region-admin' })).record.id}`,
    allowed: ['region-admin'],
  },
  { what: 'read own municipality’s audit log', method: 'GET', path: `/api/v1/audit?municipality=${VANNAS}`, allowed: ['region-admin', 'municipality-admin', 'auditor'] },
  { what: 'read another municipality’s audit log', method: 'GET', path: `/api/v1/audit?municipality=${UMEA}`, allowed: ['region-admin', 'auditor'] },
];

const roles: Role[] = ['region-admin', 'municipality-admin', 'operator', 'auditor'];

describe('access matrix', () => {
  for (const c of cases) {
    for (const role of roles) {
      const allowed = c.allowed.includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} ${c.what}`, async () => {
        const path = typeof c.path === 'string' ? c.path : await c.path();
        const { status, body } = await t.call(c.method, path, { auth: tokens[role], body: c.body });
        if (allowed) {
          expect(status, JSON.stringify(body)).toBeLessThan(300);
        } else {
          expect(status).toBe(403);
          expect(['forbidden', 'other_municipality']).toContain(body.error?.code);
        }
      });
    }
  }

  it('shows a municipality admin only their own municipality’s tokens when listing without a filter', async () => {
    await t.tokenFor('municipality-admin', UMEA, 'IT Umeå');
    const { body } = await t.call('GET', '/api/v1/tokens', { auth: tokens['municipality-admin'] });
    const listed = body.tokens as { municipalityId?: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((token) => token.municipalityId === VANNAS)).toBe(true);
  });
});
