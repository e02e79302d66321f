import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, SELF_ROLE, type Role } from '../../src/auth/access.js';
import { localActor } from '../../src/auth/token-store.js';
import { keys } from '../../src/store/keys.js';
import { connectRedis, type RedisNodeClient } from '../../src/store/redis-client.js';
import { buildTestApp, type Json } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';
import { type TestApp, UMEA, VANNAS, createTargets, openApiDocument, operationsOf } from './fuzz-support.js';

/**
 * Every role × every operation of the API (read and write), allowed or denied, written out as
 * the policy says it (README "Roles", not read from src/auth/access.ts), and for what belongs
 * to a municipality, on the municipality admin's own (Vännäs) and on another's (Umeå). The
 * table must name every operation of the OpenAPI document: a new route fails the last test
 * until its expectation is written here.
 *
 * Allowed means a 2xx, except where `pastAuth` says the answer depends on state the matrix does
 * not set up (no operator session, no Asterisk in these tests: 404, 409, 426 or 503
 * ari_unavailable): there allowed means anything but 401/403. Denied is always 403.
 */

const ctx = useRedis();
let redis: RedisNodeClient;
let t: TestApp;
let targets: ReturnType<typeof createTargets>;
let tokens: Record<Role, string>;

// One app for the whole matrix (building one per case would take minutes on two cores): each
// request aims at an object made for it, or at the current version of one that exists.
const prefix = `matrix-${randomUUID()}`;
beforeAll(async () => {
  redis = await connectRedis(ctx.server.url, { name: 'access-matrix' });
  t = await buildTestApp({ ...ctx, redis, k: keys(prefix) });
  targets = createTargets(t);
  tokens = {
    'region-admin': await t.tokenFor('region-admin'),
    'municipality-admin': await t.tokenFor('municipality-admin', VANNAS),
    operator: await t.tokenFor('operator'),
    auditor: await t.tokenFor('auditor'),
    self: await selfSetup(),
  };
});

/** The personal page's person: an entry, its extension with a PIN, and a session (self-service/). */
const SELF_EXTENSION = '2460099';
const SELF_PIN = '4711';
async function selfSetup(): Promise<string> {
  const setup = localActor('access matrix');
  await t.entries.create(
    { kind: 'person', id: 'matrix-self', givenName: 'Sara', familyName: 'Själv', municipalityId: VANNAS },
    setup,
  );
  const extension = await t.admin.extensions.create(
    {
      extension: SELF_EXTENSION,
      displayName: 'Sara Själv',
      municipalityId: VANNAS,
      directoryEntryId: 'matrix-self',
      password: 'matrix password',
    },
    setup,
  );
  await t.selfService.pins.set({ id: extension.id, municipalityId: VANNAS }, SELF_PIN, setup);
  selfExtensionId = extension.id;
  return selfSession();
}
let selfExtensionId: string | undefined;
const selfSession = async () =>
  (
    await t.tokens.createSession(
      {
        name: 'Sara Själv',
        role: SELF_ROLE,
        municipalityId: VANNAS,
        entryId: 'matrix-self',
        extensionId: selfExtensionId,
      },
      600,
    )
  ).token;
afterAll(async () => {
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
    if (batch.length > 0) await redis.unlink(batch);
  await redis.close();
});

interface Case {
  what: string;
  /** The operation as the OpenAPI document names it: "PATCH /api/v1/extensions/{id}". */
  op: string;
  /** Whose objects the path's ids and the query are: the municipality admin's own, or another municipality's. */
  municipality?: string;
  query?: string;
  /** The body (n: a number of its own, for values that must be unique in the region). */
  body?: (n: number) => unknown;
  /** The municipality's file as exported, as the body of an import. */
  csv?: 'directory/entries' | 'extensions';
  /** Before the request: make room for a per-municipality object (its id is the kommunkod). */
  vacate?: string;
  allowed: Role[];
  pastAuth?: true;
}

const everyone: Role[] = [...ROLES];
/** Open routes: a personal page's session (self) is refused everything else. */
const anyone: Role[] = [...ROLES, SELF_ROLE];
const callReaders: Role[] = ['region-admin', 'operator', 'auditor'];
const callControllers: Role[] = ['region-admin', 'operator'];
const admins: Role[] = ['region-admin', 'municipality-admin'];
const adminReaders: Role[] = ['region-admin', 'municipality-admin', 'auditor'];
const absenceSetters: Role[] = ['region-admin', 'municipality-admin', 'operator'];

/** The case on the municipality admin's own municipality, and on another's, where they are denied whatever else may. */
function inBoth(make: (m: string, whose: string) => Omit<Case, 'municipality'>): Case[] {
  const other = make(UMEA, 'another municipality’s');
  return [
    { ...make(VANNAS, 'own municipality’s'), municipality: VANNAS },
    { ...other, municipality: UMEA, allowed: other.allowed.filter((role) => role !== 'municipality-admin') },
  ];
}

/** A new operator token's id, of an employer or region-wide, to link to an account. */
const operatorTokenId = async (municipalityId?: string) =>
  (await t.tokens.create({ name: 'Matrix operator', role: 'operator', municipalityId }, localActor('access matrix')))
    .record.id;

const mainNumber = (m: string) => (m === VANNAS ? '0935-141 00' : '090-16 10 00');
const range = 'from=2026-11-01&to=2026-12-01';

/** The n-th new object of each versioned admin resource in municipality m (numbers and extensions in its ranges), and a change to one. */
const samples: Record<string, { create: (m: string, n: number) => object; change: object; perMunicipality?: true }> = {
  extensions: {
    create: (m, n) => ({
      // 2460100–2460999: room for every role's case (the personal page's session makes one more each).
      extension: `${m}${100 + n}`,
      displayName: 'Matrix',
      municipalityId: m,
      password: 'matrix password',
    }),
    change: { displayName: 'Changed' },
  },
  numbers: {
    create: (m, n) => ({
      number: m === VANNAS ? `+4693514${100 + n}` : `+469016${1000 + n}`,
      municipalityId: m,
      target: { kind: 'queue' },
    }),
    change: { target: { kind: 'queue' } },
  },
  'opening-hours': {
    create: (m) => ({ municipalityId: m, weekly: { monday: ['08:00-12:00'] } }),
    change: { weekly: { tuesday: ['08:00-12:00'] } },
    perMunicipality: true,
  },
  'opening-hours-exceptions': {
    create: (m) => ({
      municipalityId: m,
      start: '2026-12-24T00:00:00+01:00',
      end: '2026-12-25T00:00:00+01:00',
      kind: 'closed',
      reason: 'Julafton',
    }),
    change: { reason: 'Changed' },
  },
  greetings: {
    create: (m) => ({ municipalityId: m, greeting: 'Välkommen' }),
    change: { greeting: 'Hej' },
    perMunicipality: true,
  },
  'operator-accounts': {
    create: (m) => ({ name: 'Matrix', municipalityId: m, municipalities: [{ id: m, weight: 1 }] }),
    change: { name: 'Changed' },
  },
  'queue-policies': {
    create: (m) => ({ municipalityId: m, maxWait: { seconds: 300, overflow: { kind: 'callback' } } }),
    change: { announceEverySeconds: 60 },
    perMunicipality: true,
  },
  'dial-policies': {
    create: (m) => ({
      municipalityId: m,
      allow: { extension: ['mobile'], transfer: ['mobile'], callback: ['mobile'], forwarded: [] },
      extensionDailyCap: { calls: 100, minutes: 300 },
    }),
    change: { extensionDailyCap: { calls: 50, minutes: 100 } },
    perMunicipality: true,
  },
};

const cases: Case[] = [
  // Without a token only ok or degraded; with one of any role, the detail (test/http/api.test.ts).
  {
    what: 'ask the health of the switchboard (no token needed; a token adds the detail)',
    op: 'GET /health',
    allowed: anyone,
    pastAuth: true,
  },
  { what: 'ask whether the process answers (liveness, no token)', op: 'GET /health/live', allowed: anyone },
  {
    what: 'ask whether the instance is ready (no token; 503 here: no Asterisk in these tests)',
    op: 'GET /health/ready',
    allowed: anyone,
    pastAuth: true,
  },
  // The region's figures for Prometheus (test/http/metrics.test.ts: without a token 401, the scrape token too).
  { what: 'scrape the metrics', op: 'GET /metrics', allowed: ['region-admin', 'auditor'] },
  {
    what: 'fetch a spoken text’s audio (no token needed: Asterisk fetches it)',
    op: 'GET /media/spoken/{file}',
    allowed: anyone,
    pastAuth: true,
  },
  { what: 'read queues', op: 'GET /api/v1/queues', allowed: callReaders },
  ...inBoth((m, whose) => ({
    what: `read ${whose} queue`,
    op: 'GET /api/v1/queues/{municipalityId}',
    allowed: callReaders,
  })),
  ...inBoth((m, whose) => ({
    what: `read ${whose} parked calls`,
    op: 'GET /api/v1/parks/{municipalityId}',
    allowed: callReaders,
  })),
  { what: 'read call records', op: 'GET /api/v1/calls', allowed: callReaders },
  ...inBoth((m, whose) => ({
    what: `read one of ${whose} calls`,
    op: 'GET /api/v1/calls/{callId}',
    allowed: callReaders,
  })),
  // Controlling a call is an operator's: the call's state decides what then happens (Asterisk is away here: 503).
  ...inBoth((m, whose) => ({
    what: `read call control of one of ${whose} calls`,
    op: 'GET /api/v1/calls/{callId}/control',
    allowed: callControllers,
  })),
  ...['hold', 'unhold', 'transfer/complete', 'transfer/cancel', 'park', 'retrieve', 'hangup'].map((action): Case => ({
    what: `${action.replace('/', ' ')} a call`,
    op: `POST /api/v1/calls/{callId}/${action}`,
    municipality: VANNAS,
    allowed: callControllers,
    pastAuth: true,
  })),
  {
    what: 'transfer a call',
    op: 'POST /api/v1/calls/{callId}/transfer',
    municipality: VANNAS,
    body: () => ({ extension: '2460100' }),
    allowed: callControllers,
    pastAuth: true,
  },
  // Booked call-backs are calls (a citizen's number): calls:read and calls:control, which no municipality admin has, their own municipality's neither.
  ...inBoth((m, whose) => ({
    what: `book a call-back on one of ${whose} calls`,
    op: 'POST /api/v1/calls/{callId}/callback',
    body: () => ({}),
    allowed: callControllers,
  })),
  ...inBoth((m, whose) => ({
    what: `read ${whose} booked call-backs`,
    op: 'GET /api/v1/callbacks',
    query: `municipality=${m}`,
    allowed: callReaders,
  })),
  ...inBoth((m, whose) => ({
    what: `cancel a booked call-back of ${whose}`,
    op: 'POST /api/v1/callbacks/{callId}/cancel',
    allowed: callControllers,
  })),
  // Messages for absent people: operators take and handle them.
  ...inBoth((m, whose) => ({
    what: `take a message for someone of ${whose} directory`,
    op: 'POST /api/v1/messages',
    body: async () => ({
      entryId: (await targets.forPath('/api/v1/directory/entries/{id}', m))!.params.id,
      text: 'Ring tillbaka',
    }),
    allowed: callControllers,
  })),
  ...inBoth((m, whose) => ({
    what: `read ${whose} messages`,
    op: 'GET /api/v1/messages',
    query: `municipality=${m}`,
    allowed: callReaders,
  })),
  ...inBoth((m, whose) => ({
    what: `mark one of ${whose} messages handled`,
    op: 'POST /api/v1/messages/{id}/handled',
    allowed: callControllers,
  })),
  // A voice message's recording: read as the message is.
  ...inBoth((m, whose) => ({
    what: `play one of ${whose} voice messages`,
    op: 'GET /api/v1/messages/{id}/recording',
    allowed: callReaders,
  })),
  {
    what: 'log in as operator',
    op: 'POST /api/v1/operator/session',
    body: () => ({ phone: 'sip:x@127.0.0.1', municipalities: [VANNAS] }),
    allowed: callControllers,
  },
  { what: 'read the operator session', op: 'GET /api/v1/operator/session', allowed: callControllers, pastAuth: true },
  {
    what: 'pause as operator',
    op: 'POST /api/v1/operator/pause',
    body: () => ({ reason: 'lunch' }),
    allowed: callControllers,
    pastAuth: true,
  },
  { what: 'say ready as operator', op: 'POST /api/v1/operator/ready', allowed: callControllers, pastAuth: true },
  { what: 'take the next call', op: 'POST /api/v1/operator/answer-next', allowed: callControllers, pastAuth: true },
  // Past the role check the browser phone needs Asterisk, out of reach in these tests (503).
  {
    what: 'ask for a browser phone',
    op: 'POST /api/v1/operator/softphone',
    allowed: callControllers,
    pastAuth: true,
  },
  ...inBoth((m, whose) => ({
    what: `take one of ${whose} waiting calls`,
    op: 'POST /api/v1/operator/calls/{callId}/answer',
    allowed: callControllers,
    pastAuth: true,
  })),
  { what: 'log out as operator', op: 'DELETE /api/v1/operator/session', allowed: callControllers },
  // The event stream filters by token (a municipality admin sees their municipality): everyone may connect (426 without a WebSocket upgrade).
  // A personal page's session may connect too, but is sent no event (events/event-stream.ts eventFor: it reads nothing).
  { what: 'connect to the event stream', op: 'GET /api/v1/events', allowed: anyone, pastAuth: true },
  ...inBoth((m, whose) => ({
    what: `list ${whose} tokens`,
    op: 'GET /api/v1/tokens',
    query: `municipality=${m}`,
    allowed: adminReaders,
  })),
  { what: 'list region-wide tokens', op: 'GET /api/v1/tokens', allowed: adminReaders },
  ...inBoth((m, whose) => ({
    what: `create a token for ${whose} IT staff`,
    op: 'POST /api/v1/tokens',
    body: () => ({ name: `IT ${m}`, role: 'municipality-admin', municipalityId: m }),
    allowed: admins,
  })),
  {
    what: 'create an operator token',
    op: 'POST /api/v1/tokens',
    body: () => ({ name: 'Op', role: 'operator' }),
    allowed: ['region-admin'],
  },
  // An operator token reads every municipality's calls, whoever employs its holder: a region admin's to make.
  ...inBoth((m, whose) => ({
    what: `create an operator token for an operator employed by ${whose}`,
    op: 'POST /api/v1/tokens',
    body: () => ({ name: 'Op', role: 'operator', municipalityId: m }),
    allowed: ['region-admin'],
  })),
  // Linking a token to an operator account: a municipality admin only their own municipality's tokens, to their own accounts.
  ...inBoth((m, whose) => ({
    what: `link an operator token of ${whose} to an operator account there`,
    op: 'POST /api/v1/operator-accounts',
    body: async () => ({
      name: 'Linked',
      municipalityId: m,
      municipalities: [{ id: m, weight: 1 }],
      tokenId: await operatorTokenId(m),
    }),
    allowed: admins,
  })),
  {
    what: 'link a region-wide operator token to an operator account of own municipality',
    op: 'POST /api/v1/operator-accounts',
    municipality: VANNAS,
    body: async () => ({
      name: 'Linked',
      municipalityId: VANNAS,
      municipalities: [{ id: VANNAS, weight: 1 }],
      tokenId: await operatorTokenId(),
    }),
    allowed: ['region-admin'],
  },
  ...inBoth((m, whose) => ({
    what: `revoke a token of ${whose}`,
    op: 'DELETE /api/v1/tokens/{tokenId}',
    allowed: admins,
  })),
  ...inBoth((m, whose) => ({
    what: `read ${whose} audit log`,
    op: 'GET /api/v1/audit',
    query: `municipality=${m}`,
    allowed: adminReaders,
  })),
  ...inBoth((m, whose) => ({
    what: `read ${whose} statistics`,
    op: 'GET /api/v1/statistics/municipalities/{municipalityId}',
    query: range,
    allowed: everyone,
  })),
  ...inBoth((m, whose) => ({
    what: `read ${whose} cost split`,
    op: 'GET /api/v1/statistics/municipalities/{municipalityId}/cost-split.csv',
    query: 'month=2026-11',
    allowed: everyone,
  })),
  {
    what: 'read operators’ statistics of own calls',
    op: 'GET /api/v1/statistics/operators',
    query: range,
    allowed: everyone,
  },
  ...inBoth((m, whose) => ({
    what: `read operators’ statistics of ${whose} calls`,
    op: 'GET /api/v1/statistics/operators',
    query: `${range}&municipality=${m}`,
    allowed: everyone,
  })),
  ...inBoth((m, whose) => ({
    what: `simulate a call to ${whose} main number`,
    op: 'GET /api/v1/routing/simulate',
    query: `number=${encodeURIComponent(mainNumber(m))}`,
    allowed: everyone,
  })),
  { what: 'list municipalities', op: 'GET /api/v1/municipalities', allowed: everyone },
  ...inBoth((m, whose) => ({
    what: `read ${whose} municipality`,
    op: 'GET /api/v1/municipalities/{id}',
    allowed: everyone,
  })),
  ...directoryCases(),
  ...Object.keys(samples).flatMap(versionedResourceCases),
  ...csvCases('extensions'),
  ...selfServiceCases(),
];

/** The shared directory: like an admin resource, but replaced whole (PUT), and operators set the hänvisning. */
function directoryCases(): Case[] {
  const entry = (m: string, name: string) => ({ kind: 'function' as const, name, municipalityId: m });
  return [
    ...inBoth((m, whose) => ({
      what: `search ${whose} directory`,
      op: 'GET /api/v1/directory/search',
      query: `q=x&municipality=${m}`,
      allowed: everyone,
    })),
    ...inBoth((m, whose) => ({
      what: `list ${whose} directory entries`,
      op: 'GET /api/v1/directory/entries',
      query: `municipality=${m}`,
      allowed: everyone,
    })),
    ...inBoth((m, whose) => ({
      what: `read one of ${whose} directory entries`,
      op: 'GET /api/v1/directory/entries/{id}',
      allowed: everyone,
    })),
    ...inBoth((m, whose) => ({
      what: `create one of ${whose} directory entries`,
      op: 'POST /api/v1/directory/entries',
      body: (n) => entry(m, `New ${n}`),
      allowed: admins,
    })),
    ...inBoth((m, whose) => ({
      what: `replace one of ${whose} directory entries`,
      op: 'PUT /api/v1/directory/entries/{id}',
      body: (n) => entry(m, `Changed ${n}`),
      allowed: admins,
    })),
    ...inBoth((m, whose) => ({
      what: `delete one of ${whose} directory entries`,
      op: 'DELETE /api/v1/directory/entries/{id}',
      allowed: admins,
    })),
    ...inBoth((m, whose) => ({
      what: `set the hänvisning of one of ${whose} directory entries`,
      op: 'PUT /api/v1/directory/entries/{id}/absence',
      body: () => ({ reason: 'lunch' }),
      allowed: absenceSetters,
    })),
    ...inBoth((m, whose) => ({
      what: `clear the hänvisning of one of ${whose} directory entries`,
      op: 'DELETE /api/v1/directory/entries/{id}/absence',
      allowed: absenceSetters,
    })),
    ...csvCases('directory/entries'),
  ];
}

/** The personal page (a person sets their own hänvisning) and the PINs it signs in with, which admins set. */
function selfServiceCases(): Case[] {
  return [
    {
      what: 'sign in on the personal page with an extension’s PIN (no token)',
      op: 'POST /api/v1/self/sign-in',
      body: () => ({ extension: SELF_EXTENSION, pin: SELF_PIN }),
      allowed: anyone,
    },
    { what: 'read one’s own entry on the personal page', op: 'GET /api/v1/self', allowed: [SELF_ROLE] },
    {
      what: 'set one’s own hänvisning',
      op: 'PUT /api/v1/self/absence',
      body: () => ({ reason: 'lunch' }),
      allowed: [SELF_ROLE],
    },
    { what: 'clear one’s own hänvisning', op: 'DELETE /api/v1/self/absence', allowed: [SELF_ROLE] },
    { what: 'sign out of the personal page', op: 'DELETE /api/v1/self/session', allowed: [SELF_ROLE] },
    {
      // A wrong current PIN: past the access check (400 wrong_pin) without changing the PIN the sign-in case uses.
      what: 'change one’s own PIN',
      op: 'PUT /api/v1/self/pin',
      body: () => ({ currentPin: '0000', newPin: '5830' }),
      allowed: [SELF_ROLE],
      pastAuth: true,
    },
    ...inBoth((m, whose) => ({
      what: `set the PIN of one of ${whose} extensions`,
      op: 'PUT /api/v1/extensions/{id}/pin',
      body: () => ({ pin: '1234' }),
      allowed: admins,
    })),
    ...inBoth((m, whose) => ({
      what: `remove the PIN of one of ${whose} extensions`,
      op: 'DELETE /api/v1/extensions/{id}/pin',
      allowed: admins,
    })),
  ];
}

/** CSV import (the municipality's file as exported, imported again) and export: administration, one municipality per file. */
function csvCases(kind: 'directory/entries' | 'extensions'): Case[] {
  return [
    ...inBoth((m, whose) => ({
      what: `import ${whose} ${kind} from CSV`,
      op: `POST /api/v1/${kind}/import`,
      query: `municipality=${m}`,
      csv: kind,
      allowed: admins,
    })),
    ...inBoth((m, whose) => ({
      what: `export ${whose} ${kind} as CSV`,
      op: `GET /api/v1/${kind}/export`,
      query: `municipality=${m}`,
      allowed: adminReaders,
    })),
  ];
}

/**
 * A versioned admin resource: everyone with a token reads (nothing secret is in a view; a
 * municipality admin only their own municipality's), admins write (a municipality admin only
 * their own). Changes carry the object's current ETag, so only access can refuse them.
 */
function versionedResourceCases(plural: string): Case[] {
  const sample = samples[plural]!;
  return [
    ...inBoth((m, whose) => ({
      what: `list ${whose} ${plural}`,
      op: `GET /api/v1/${plural}`,
      query: `municipality=${m}`,
      allowed: everyone,
    })),
    ...inBoth((m, whose) => ({
      what: `read one of ${whose} ${plural}`,
      op: `GET /api/v1/${plural}/{id}`,
      allowed: everyone,
    })),
    ...inBoth((m, whose) => ({
      what: `create one of ${whose} ${plural}`,
      op: `POST /api/v1/${plural}`,
      body: (n) => sample.create(m, n),
      ...(sample.perMunicipality ? { vacate: plural } : {}),
      allowed: admins,
    })),
    ...inBoth((m, whose) => ({
      what: `change one of ${whose} ${plural}`,
      op: `PATCH /api/v1/${plural}/{id}`,
      body: () => sample.change,
      allowed: admins,
    })),
    ...inBoth((m, whose) => ({
      what: `delete one of ${whose} ${plural}`,
      op: `DELETE /api/v1/${plural}/{id}`,
      allowed: admins,
    })),
  ];
}

let serial = 0;

/** The request of a case: the path's ids from objects made for it, the current ETag as If-Match, and its body. */
async function request(c: Case, role: Role) {
  const [method, template] = c.op.split(' ') as [string, string];
  const m = c.municipality ?? VANNAS;
  const target = template.includes('{') ? await targets.forPath(template, m) : undefined;
  if (template.includes('{') && !target)
    throw new Error(
      `Nothing to aim ${c.op} at: add the kind of object its path names to createTargets (test/http/fuzz-support.ts)`,
    );
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(target!.params[name]!));
  if (c.vacate) await targets.vacate(c.vacate, m);
  // Signing out ends the session: a fresh one, so the other cases keep theirs.
  const token = role === SELF_ROLE && c.op === 'DELETE /api/v1/self/session' ? await selfSession() : tokens[role];
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    ...(target?.etag ? { 'if-match': target.etag } : {}),
  };
  let body: string | undefined;
  if (c.csv) {
    body = (await targets.exportedCsv(c.csv, m, tokens['region-admin'])).text;
    headers['content-type'] = 'text/csv';
  } else if (c.body) {
    body = JSON.stringify(await c.body(++serial));
    headers['content-type'] = 'application/json';
  }
  const url = `${path}${c.query ? `?${c.query}` : ''}`;
  const response = await t.app.request(url, { method, headers, body });
  const text = await response.text();
  return {
    url,
    status: response.status,
    body: (response.headers.get('content-type')?.startsWith('application/json') && text
      ? JSON.parse(text)
      : {}) as Json,
    text,
  };
}

const DENIED = ['forbidden', 'other_municipality'];

describe('access matrix', () => {
  for (const c of cases) {
    for (const role of anyone) {
      const allowed = c.allowed.includes(role);
      it(`${role} ${allowed ? 'may' : 'may not'} ${c.what} (${c.op})`, async () => {
        const { url, status, body, text } = await request(c, role);
        const answer = `${c.op.split(' ')[0]} ${url} → ${status} ${text.slice(0, 300)}`;
        if (!allowed) {
          expect(status, answer).toBe(403);
          expect(DENIED, answer).toContain(body.error?.code);
        } else if (c.pastAuth) {
          // Past the access check: whatever the state makes of it, but not refused, and no fault of ours.
          expect(status === 401 || (status === 403 && DENIED.includes(body.error?.code ?? '')), answer).toBe(false);
          // 503 only from Asterisk's absence here (call control, or /health saying degraded).
          expect(
            status < 500 ||
              body.error?.code === 'ari_unavailable' ||
              (c.op.startsWith('GET /health') && status === 503),
            answer,
          ).toBe(true);
        } else {
          expect(status, answer).toBeLessThan(300);
        }
      });
    }
  }

  it('has an expectation for every operation of the OpenAPI document, and none for an operation it lacks', async () => {
    const documented = operationsOf(await openApiDocument(t.app)).map((operation) => operation.key);
    const covered = new Set(cases.map((c) => c.op));
    expect(
      documented.filter((op) => !covered.has(op)),
      'operations without an expectation in the access matrix',
    ).toEqual([]);
    expect(
      [...covered].filter((op) => !documented.includes(op)),
      'expectations for operations the document does not have',
    ).toEqual([]);
  });

  it('shows a municipality admin only their own municipality’s tokens when listing without a filter', async () => {
    await t.tokenFor('municipality-admin', UMEA, 'IT Umeå');
    const { body } = await t.call('GET', '/api/v1/tokens', { auth: tokens['municipality-admin'] });
    const listed = body.tokens as { municipalityId?: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((token) => token.municipalityId === VANNAS)).toBe(true);
  });
});
