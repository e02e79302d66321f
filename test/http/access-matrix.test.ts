import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/access.js';
import { localActor } from '../../src/auth/token-store.js';
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

type Case = { what: string; method: string; path: string | (() => Promise<string>); body?: unknown; headers?: Record<string, string>; allowed: Role[] };

/** Every role × resource × read/write, written out as the policy says it (not derived from the code's table). */
const cases: Case[] = [
  { what: 'read queues', method: 'GET', path: '/api/v1/queues', allowed: ['region-admin', 'operator', 'auditor'] },
  { what: 'read one queue', method: 'GET', path: `/api/v1/queues/${VANNAS}`, allowed: ['region-admin', 'operator', 'auditor'] },
  { what: 'read call records', method: 'GET', path: '/api/v1/calls', allowed: ['region-admin', 'operator', 'auditor'] },
  // Booked call-backs are calls (a citizen's number): calls:read, which no municipality admin has, their own municipality's neither.
  { what: 'read own municipality’s booked call-backs', method: 'GET', path: `/api/v1/callbacks?municipality=${VANNAS}`, allowed: ['region-admin', 'operator', 'auditor'] },
  { what: 'read another municipality’s booked call-backs', method: 'GET', path: `/api/v1/callbacks?municipality=${UMEA}`, allowed: ['region-admin', 'operator', 'auditor'] },
  // Cancelling a booked call-back is calls:control, as booking is (an operator logged in for other municipalities: test/http/callbacks.test.ts).
  { what: 'cancel a booked call-back of own municipality', method: 'POST', path: () => bookedCallback(VANNAS), allowed: ['region-admin', 'operator'] },
  { what: 'cancel a booked call-back of another municipality', method: 'POST', path: () => bookedCallback(UMEA), allowed: ['region-admin', 'operator'] },
  { what: 'read own municipality’s statistics', method: 'GET', path: `/api/v1/statistics/municipalities/${VANNAS}?from=2026-11-01&to=2026-12-01`, allowed: ['region-admin', 'municipality-admin', 'operator', 'auditor'] },
  { what: 'read another municipality’s statistics', method: 'GET', path: `/api/v1/statistics/municipalities/${UMEA}?from=2026-11-01&to=2026-12-01`, allowed: ['region-admin', 'operator', 'auditor'] },
  { what: 'read operators’ statistics of own calls', method: 'GET', path: '/api/v1/statistics/operators?from=2026-11-01&to=2026-12-01', allowed: ['region-admin', 'municipality-admin', 'operator', 'auditor'] },
  { what: 'read operators’ statistics of another municipality', method: 'GET', path: `/api/v1/statistics/operators?from=2026-11-01&to=2026-12-01&municipality=${UMEA}`, allowed: ['region-admin', 'operator', 'auditor'] },
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
  ...versionedResourceCases('extensions', (m) => ({ extension: `${m}101`, displayName: 'Matrix', municipalityId: m, password: 'matrix password' }), { displayName: 'Changed' }, (m) =>
    t.admin.extensions.create({ extension: `${m}102`, displayName: 'Seeded', municipalityId: m, password: 'matrix password' }, localActor('test setup')),
  ),
  ...versionedResourceCases('numbers', (m) => ({ number: m === VANNAS ? '0935-141 01' : '090-16 10 01', municipalityId: m, target: { kind: 'queue' } }), { target: { kind: 'queue' } }, (m) =>
    t.admin.numbers.create({ number: m === VANNAS ? '+4693514102' : '+4690161002', municipalityId: m, target: { kind: 'queue' } }, localActor('test setup')),
  ),
  ...versionedResourceCases('opening-hours', (m) => ({ municipalityId: m, weekly: { monday: ['08:00-12:00'] } }), { weekly: { tuesday: ['08:00-12:00'] } }, (m) =>
    t.admin.openingHours.create({ municipalityId: m, weekly: { monday: ['09:00-15:00'] } }, localActor('test setup')),
  ),
  ...versionedResourceCases('opening-hours-exceptions', (m) => ({ municipalityId: m, start: '2026-12-24T00:00:00+01:00', end: '2026-12-25T00:00:00+01:00', kind: 'closed', reason: 'Julafton' }), { reason: 'Changed' }, (m) =>
    t.admin.openingExceptions.create({ municipalityId: m, start: '2026-12-31T00:00:00+01:00', end: '2027-01-01T00:00:00+01:00', kind: 'closed', reason: 'Nyårsafton' }, localActor('test setup')),
  ),
  ...versionedResourceCases('greetings', (m) => ({ municipalityId: m, greeting: 'Välkommen' }), { greeting: 'Hej' }, (m) =>
    t.admin.greetings.create({ municipalityId: m, greeting: 'God dag' }, localActor('test setup')),
  ),
  ...versionedResourceCases('operator-accounts', (m) => ({ name: 'Matrix', municipalityId: m, municipalities: [{ id: m, weight: 1 }] }), { name: 'Changed' }, (m) =>
    t.admin.operatorAccounts.create({ name: 'Seeded', municipalityId: m, municipalities: [{ id: m, weight: 1 }] }, localActor('test setup')),
  ),
  ...versionedResourceCases('queue-policies', (m) => ({ municipalityId: m, maxWait: { seconds: 300, overflow: { kind: 'callback' } } }), { announceEverySeconds: 60 }, (m) =>
    t.admin.queuePolicies.create({ municipalityId: m, announceEverySeconds: 30 }, localActor('test setup')),
  ),
  ...directoryCases(),
  { what: 'list municipalities', method: 'GET', path: '/api/v1/municipalities', allowed: ['region-admin', 'municipality-admin', 'operator', 'auditor'] },
  { what: 'read own municipality', method: 'GET', path: `/api/v1/municipalities/${VANNAS}`, allowed: ['region-admin', 'municipality-admin', 'operator', 'auditor'] },
  { what: 'read another municipality', method: 'GET', path: `/api/v1/municipalities/${UMEA}`, allowed: ['region-admin', 'operator', 'auditor'] },
];

let booked = 0;
/** A call-back booked for later in the municipality's queue, and the path that cancels it. */
async function bookedCallback(municipalityId: string): Promise<string> {
  const callId = `matrix-${++booked}`;
  await t.queue.enqueue({ callId, channelId: callId, municipalityId, calledNumber: municipalityId === VANNAS ? '+4693514100' : '+4690161000', caller: '+46701234567', reason: 'main-number' });
  await t.callControl.callbacks.book({ callId, windowFrom: Date.now() + 3_600_000 });
  return `/api/v1/callbacks/${callId}-cb/cancel`;
}

/** The shared directory: like an admin resource, but replaced whole (PUT), and operators set the hänvisning. */
function directoryCases(): Case[] {
  const everyone: Role[] = ['region-admin', 'municipality-admin', 'operator', 'auditor'];
  const only = (allowed: Role[], m: string) => (m === VANNAS ? allowed : allowed.filter((role) => role !== 'municipality-admin'));
  const entry = (m: string, name: string) => ({ kind: 'function' as const, name, municipalityId: m });
  const ifMatch = { 'if-match': '"1"' };
  return [VANNAS, UMEA].flatMap((m): Case[] => {
    const whose = m === VANNAS ? 'own municipality’s' : 'another municipality’s';
    const seeded = async () => `/api/v1/directory/entries/${(await t.entries.create(entry(m, 'Seeded'), localActor('test setup'))).id}`;
    return [
      { what: `search ${whose} directory`, method: 'GET', path: `/api/v1/directory/search?q=x&municipality=${m}`, allowed: only(everyone, m) },
      { what: `list ${whose} directory entries`, method: 'GET', path: `/api/v1/directory/entries?municipality=${m}`, allowed: only(everyone, m) },
      { what: `read one of ${whose} directory entries`, method: 'GET', path: seeded, allowed: only(everyone, m) },
      { what: `create one of ${whose} directory entries`, method: 'POST', path: '/api/v1/directory/entries', body: entry(m, 'New'), allowed: only(['region-admin', 'municipality-admin'], m) },
      { what: `replace one of ${whose} directory entries`, method: 'PUT', path: seeded, body: entry(m, 'Changed'), headers: ifMatch, allowed: only(['region-admin', 'municipality-admin'], m) },
      { what: `delete one of ${whose} directory entries`, method: 'DELETE', path: seeded, headers: ifMatch, allowed: only(['region-admin', 'municipality-admin'], m) },
      {
        what: `set the hänvisning of one of ${whose} directory entries`,
        method: 'PUT',
        path: async () => `${await seeded()}/absence`,
        body: { reason: 'lunch' },
        allowed: only(['region-admin', 'municipality-admin', 'operator'], m),
      },
    ];
  });
}

/**
 * A versioned admin resource: everyone with a token reads (nothing secret is in a view; a
 * municipality admin only their own municipality's), admins write (a municipality admin only
 * their own). Changes carry the seeded object's ETag, so only access can refuse them.
 */
function versionedResourceCases(plural: string, sample: (municipalityId: string) => object, change: object, seed: (municipalityId: string) => Promise<{ id: string }>): Case[] {
  const everyone: Role[] = ['region-admin', 'municipality-admin', 'operator', 'auditor'];
  const admins: Role[] = ['region-admin', 'municipality-admin'];
  const only = (allowed: Role[], municipalityId: string) => (municipalityId === VANNAS ? allowed : allowed.filter((role) => role !== 'municipality-admin'));
  const ifMatch = { 'if-match': '"1"' };
  return [VANNAS, UMEA].flatMap((m): Case[] => {
    const whose = m === VANNAS ? 'own municipality’s' : 'another municipality’s';
    const seeded = async () => `/api/v1/${plural}/${(await seed(m)).id}`;
    return [
      { what: `list ${whose} ${plural}`, method: 'GET', path: `/api/v1/${plural}?municipality=${m}`, allowed: only(everyone, m) },
      { what: `read one of ${whose} ${plural}`, method: 'GET', path: seeded, allowed: only(everyone, m) },
      { what: `create one of ${whose} ${plural}`, method: 'POST', path: `/api/v1/${plural}`, body: sample(m), allowed: only(admins, m) },
      { what: `change one of ${whose} ${plural}`, method: 'PATCH', path: seeded, body: change, headers: ifMatch, allowed: only(admins, m) },
      { what: `delete one of ${whose} ${plural}`, method: 'DELETE', path: seeded, headers: ifMatch, allowed: only(admins, m) },
    ];
  });
}

const roles: Role[] = ['region-admin', 'municipality-admin', 'operator', 'auditor'];

describe('access matrix', () => {
  for (const c of cases) {
    for (const role of roles) {
      const allowed = c.allowed.includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} ${c.what}`, async () => {
        const path = typeof c.path === 'string' ? c.path : await c.path();
        const { status, body } = await t.call(c.method, path, { auth: tokens[role], body: c.body, headers: c.headers });
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
