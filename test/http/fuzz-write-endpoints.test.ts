import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SELF_ROLE } from '../../src/auth/access.js';
import { localActor } from '../../src/auth/token-store.js';
import { buildTestApp, type Json } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';
import { changedKeys, storedState } from '../support/stored-state.js';
import {
  type OpenApiDocument,
  type Operation,
  type QueryPairs,
  type RequestBody,
  UMEA,
  VANNAS,
  WRITE_METHODS,
  bodySchemaOf,
  createTargets,
  csvBodyArbitrary,
  jsonBodyArbitrary,
  junkSegment,
  openApiDocument,
  operationsOf,
  parametersOf,
  queryArbitrary,
  type TestApp,
} from './fuzz-support.js';

/**
 * Property-based fuzzing of the API, operation by operation as its OpenAPI document lists them
 * (a new endpoint is fuzzed without a change here). Requests aim mostly at objects that exist,
 * with their current ETag, and carry bodies generated from the operation's own schema: valid,
 * wrong in one field, or junk; CSV imports get the exported file with bad rows, BOMs,
 * semicolons and stray quotes. Whatever comes in: never a 500; every 4xx is the one JSON error
 * shape, a 400 naming a field; and a refused request leaves everything stored (audit log and
 * event stream included) exactly as it was. Reading, whatever the query, changes nothing.
 *
 * FUZZ_SEED=<n> replays a run (the seed is printed with the summary and in any failure).
 */

const ctx = useRedis();
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Runs per operation and role: enough to reach past every stage of every write operation, within about a minute for the file on two busy cores. */
const RUNS = { 'region-admin': 16, 'municipality-admin': 8, self: 8, read: 4 } as const;
/** A role without the permission is refused before anything else is looked at: when these first runs all show that, the rest are spared. */
const PROBE_RUNS = 3;

let t: TestApp;
let doc: OpenApiDocument;
let targets: ReturnType<typeof createTargets>;

/** The fuzzer as region admin (imports' files are exported with it too). */
let admin: Fuzzer;
/** The fuzzer as a personal page's session. */
let self: Fuzzer;

beforeEach(async () => {
  t = await buildTestApp(ctx);
  doc = await openApiDocument(t.app);
  targets = createTargets(t);
  admin = await fuzzer('region-admin');
  self = await fuzzer(SELF_ROLE);
});

/** self: a personal page's session (self-service/), the only one that gets past the access check of /api/v1/self. */
type FuzzRole = 'region-admin' | 'municipality-admin' | typeof SELF_ROLE;
interface Fuzzer {
  role: FuzzRole;
  token: string;
  id: string;
  name: string;
}

async function fuzzer(role: FuzzRole): Promise<Fuzzer> {
  if (role === SELF_ROLE) return { role, token: await selfSession(), id: 'self', name: 'Fuzzer (self)' };
  const { token, record } = await t.tokens.create(
    { name: `Fuzzer (${role})`, role, ...(role === 'municipality-admin' ? { municipalityId: VANNAS } : {}) },
    localActor('test setup'),
  );
  return { role, token, id: record.id, name: record.name };
}

/**
 * A session as the sign-in gives it: for an extension of Vännäs and the entry it links to (linked
 * here when the fuzzing left it unlinked, so changing the PIN gets past "not your extension"). New
 * for each request, since signing out (a write operation) ends it.
 */
async function selfSession(): Promise<string> {
  const entryId = (await targets.forPath('/api/v1/directory/entries/{id}', VANNAS))!.params.id!;
  const extensionId = (await targets.forPath('/api/v1/extensions/{id}', VANNAS))!.params.id!;
  const extension = (await t.admin.extensions.get(extensionId))!;
  if (extension.doc.directoryEntryId !== entryId)
    await t.admin.extensions.update(
      extensionId,
      extension.version,
      { directoryEntryId: entryId },
      localActor('test setup'),
    );
  const principal = { name: 'Fuzzer (self)', role: SELF_ROLE, municipalityId: VANNAS, entryId, extensionId } as const;
  return (await t.tokens.createSession(principal, 600)).token;
}

/** One fuzzed request, before it is aimed: which municipality's objects, and per path parameter a real id or junk. */
interface Fuzzed {
  municipality: string;
  aimed: boolean[];
  junk: string[];
  ifMatch: 'current' | 'stale' | 'weak' | 'junk' | 'none';
  query: QueryPairs;
  body: RequestBody | undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Direct-dial numbers of Vännäs and Umeå (config/region.yaml), in the notations people write, mobiles, and now and then one the default dial policy refuses. */
const numbers = fc.oneof(
  {
    arbitrary: fc.integer({ min: 14101, max: 14999 }).map((n) => `0935-${String(n).slice(0, 3)} ${String(n).slice(3)}`),
    weight: 3,
  },
  {
    arbitrary: fc.integer({ min: 1001, max: 9999 }).map((n) => `090-16 ${pad(n, 4).slice(0, 2)} ${pad(n, 4).slice(2)}`),
    weight: 3,
  },
  { arbitrary: fc.integer({ min: 0, max: 9_999_999 }).map((n) => `+4670${pad(n, 7)}`), weight: 3 },
  { arbitrary: fc.constantFrom('0900-123 45 67', '+881 6 1234 5678', '+1 202 555 0123'), weight: 1 },
);
/** Values the region knows, by field or parameter name: what a valid body mostly carries (Generation in fuzz-support.ts). */
const regionValues = {
  municipalityId: fc.constantFrom(VANNAS, UMEA),
  municipality: fc.constantFrom(VANNAS, UMEA),
  id: fc.constantFrom(VANNAS, UMEA),
  extension: fc
    .tuple(fc.constantFrom(VANNAS, UMEA), fc.integer({ min: 0, max: 999 }))
    .map(([m, n]) => `${m}${pad(n, 3)}`),
  number: numbers,
  directNumber: numbers,
  callerNumber: numbers,
  phoneNumbers: fc.array(numbers, { maxLength: 2 }),
  hours: fc.constantFrom(['10:00-13:00'], ['08:00-12:00', '13:00-16:00']),
};

const isImport = (operation: Operation) => bodySchemaOf(operation)?.mediaType === 'text/csv';

async function requestArbitrary(operation: Operation): Promise<fc.Arbitrary<Fuzzed>> {
  const pathParams = parametersOf(operation, 'path');
  const hasIfMatch = parametersOf(operation, 'header').some((p) => p.name === 'if-match');
  const body = bodySchemaOf(operation);
  // The files as exported, per municipality, to be broken for an import.
  const exported = isImport(operation)
    ? Object.fromEntries(
        await Promise.all(
          [VANNAS, UMEA].map(
            async (m) =>
              [
                m,
                await targets.exportedCsv(
                  operation.path.replace(/^\/api\/v1\/|\/import$/g, '') as 'extensions' | 'directory/entries',
                  m,
                  admin.token,
                ),
              ] as const,
          ),
        ),
      )
    : undefined;
  return fc
    .record({
      municipality: fc.oneof(
        { arbitrary: fc.constant(VANNAS), weight: 3 },
        { arbitrary: fc.constant(UMEA), weight: 1 },
      ),
      aimed: fc.tuple(
        ...pathParams.map(() =>
          fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }),
        ),
      ),
      junk: fc.tuple(...pathParams.map(() => junkSegment)),
      ifMatch: hasIfMatch
        ? fc.oneof(
            { arbitrary: fc.constant('current' as const), weight: 6 },
            { arbitrary: fc.constantFrom('stale' as const, 'weak' as const, 'junk' as const), weight: 3 },
            { arbitrary: fc.constant('none' as const), weight: 1 },
          )
        : fc.constant('none' as const),
      query: queryArbitrary(operation, { doc, hints: regionValues }),
    })
    .chain((request) => {
      // An import's file is the named municipality's (Vännäs, the municipality admin's own, when none or another is named).
      const named = request.query.find(([name]) => name === 'municipality')?.[1];
      const file = exported?.[named === UMEA ? UMEA : VANNAS];
      if (operation.method === 'GET') return fc.constant<Fuzzed>({ ...request, body: undefined });
      return (file ? csvBodyArbitrary(file) : jsonBodyArbitrary(body?.schema, { doc, hints: regionValues })).map(
        (b): Fuzzed => ({ ...request, body: b }),
      );
    });
}

/** What each operation answered, by status (and error code), over the whole file; printed once. */
const tally = new Map<string, Map<string, number>>();
/** The write operations for which some run got past "not found" and "If-Match missing": a 2xx, 409, 412, or a 400 about the body. */
const reachedDeep = new Set<string>();

async function send(operation: Operation, request: Fuzzed, who: Fuzzer) {
  let path = operation.path;
  let etag: string | undefined;
  if (parametersOf(operation, 'path').length > 0) {
    const target = await targets.forPath(operation.path, request.municipality);
    if (!target)
      throw new Error(
        `Nothing to aim ${operation.key} at: add the kind of object its path names to createTargets (test/http/fuzz-support.ts)`,
      );
    let i = 0;
    path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const at = i++;
      return request.aimed[at] ? encodeURIComponent(target.params[name]!) : request.junk[at]!;
    });
    etag = target.etag;
  }
  // The fuzzer's own operator session, so pause, ready and answer-next get past "not logged in" (a region admin may control calls).
  if (who.role === 'region-admin' && operation.path.startsWith('/api/v1/operator/'))
    await targets.operatorSession(who.id, who.name);
  const headers: Record<string, string> = {
    authorization: `Bearer ${who.role === SELF_ROLE ? await selfSession() : who.token}`,
  };
  const version = etag?.replaceAll('"', '');
  if (request.ifMatch === 'current' && etag) headers['if-match'] = etag;
  if (request.ifMatch === 'weak' && etag) headers['if-match'] = `W/${etag}`;
  if (request.ifMatch === 'stale') headers['if-match'] = `"${Number(version ?? 1) + 7}"`;
  if (request.ifMatch === 'junk') headers['if-match'] = 'abc, "1"';
  if (request.body?.contentType) headers['content-type'] = request.body.contentType;
  const search = new URLSearchParams(request.query).toString();

  const before = await storedState(ctx);
  const response = await t.app.request(`${path}${search ? `?${search}` : ''}`, {
    method: operation.method,
    headers,
    body: request.body?.text,
  });
  const text = await response.text();
  return {
    path: `${path}${search ? `?${search}` : ''}`,
    status: response.status,
    text,
    contentType: response.headers.get('content-type') ?? '',
    before,
  };
}

/** What an error's detail points at: a field ("body.phone"), or in a CSV file a line and column. */
interface Detail {
  field?: string;
  line?: number;
  column?: string;
  problem?: string;
}
const placeOf = (detail: Detail) =>
  detail.field ?? (detail.line === undefined ? undefined : `line ${detail.line} ${detail.column ?? ''}`);

/** The answer's error, checked to be the API's one shape: {error: {code, message, details?}}, each detail naming its place; a 400 names at least one. */
function checkedError(status: number, contentType: string, text: string): { code: string; details: Detail[] } {
  expect(contentType, text).toMatch(/^application\/json/);
  const { error } = JSON.parse(text) as Json;
  expect(error?.code, text).toMatch(/^[a-z][a-z0-9_-]*$/);
  expect(error?.message?.length, text).toBeGreaterThan(5);
  const details = (error?.details ?? []) as Detail[];
  expect(Array.isArray(details), text).toBe(true);
  for (const detail of details) {
    expect(placeOf(detail), text).toMatch(/\S/);
    expect(detail.problem, text).toMatch(/\S/);
  }
  if (status === 400) expect(details.length, `a 400 naming no field: ${text}`).toBeGreaterThan(0);
  return { code: error!.code, details };
}

function checkNoServerError(status: number, text: string, where: string) {
  if (status < 500) return;
  expect(status, where).toBe(503);
  expect((JSON.parse(text) as Json).error?.code, where).toBe('ari_unavailable');
}

const count = (operation: Operation, outcome: string) => {
  const counts = tally.get(operation.key) ?? new Map<string, number>();
  counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  tally.set(operation.key, counts);
};

/**
 * The one property every request must hold. 503 is allowed for one reason only: these tests
 * run without Asterisk (test/support/http-app.ts), so call control honestly answers
 * ari_unavailable; Redis is up, so redis_unavailable (or any other 5xx) is a bug.
 */
async function fuzzOperation(operation: Operation, who: Fuzzer, numRuns: number, seed: number): Promise<void> {
  const arbitrary = await requestArbitrary(operation);
  const outcomes: string[] = [];
  const property = fc.asyncProperty(arbitrary, async (request) => {
    const { path, status, text, contentType, before } = await send(operation, request, who);
    const where = `${operation.method} ${path} as ${who.role} → ${status} ${text.slice(0, 300)}`;
    checkNoServerError(status, text, where);
    if (status >= 400) {
      const error = checkedError(status, contentType, text);
      count(operation, `${status} ${error.code}`);
      outcomes.push(`${status} ${error.code}`);
      // Refused (or Asterisk away before anything was done): not a byte changed, not even an audit entry or event.
      // Save one: a call's number refused by the dial policy is told to IT staff, one dialling.refused event (docs/decisions.md, "Dial policy").
      const changed = changedKeys(before, await storedState(ctx));
      const told = status === 403 && error.code === 'dialling_denied' ? [ctx.k.events()] : [];
      // And a wrong PIN on the personal page (signing in, or as the current PIN of a change) is counted
      // against the extension, as is a try refused for too many (self-service/self-sign-in.ts).
      const counted = (key: string) =>
        ['wrong_pin', 'too_many_attempts'].includes(error.code) && key.startsWith(`${ctx.k.selfSignInFailures()}:`);
      expect(
        changed.filter((key) => !told.includes(key) && !counted(key)),
        `${where}\nchanged: ${changed.join(', ')}`,
      ).toEqual([]);
      if (told.length > 0)
        expect((await ctx.redis.xRevRange(ctx.k.events(), '+', '-', { COUNT: 1 }))?.[0]?.message.type, where).toBe(
          'dialling.refused',
        );
      const aboutBody =
        status === 400 &&
        error.details.some((d) => d.line !== undefined || /^(body\b|line \d|file$)/.test(d.field ?? ''));
      if (aboutBody || [409, 412, 503].includes(status)) reachedDeep.add(operation.key);
    } else {
      count(operation, String(status));
      reachedDeep.add(operation.key);
    }
  });
  await assertNamed(property, operation, who, PROBE_RUNS, seed);
  if (outcomes.length === PROBE_RUNS && outcomes.every((outcome) => outcome === '403 forbidden')) return;
  await assertNamed(property, operation, who, numRuns - PROBE_RUNS, seed + 1);
}

/** fc.assert, its failure naming the operation, the role and the file's seed to replay it with. */
async function assertNamed(
  property: fc.IAsyncProperty<[Fuzzed]>,
  operation: Operation,
  who: Fuzzer,
  numRuns: number,
  seed: number,
): Promise<void> {
  try {
    await fc.assert(property, { numRuns, seed });
  } catch (error) {
    throw new Error(`${operation.key} as ${who.role} (FUZZ_SEED=${SEED}): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const apiOperations = () => operationsOf(doc).filter((operation) => operation.path.startsWith('/api/v1/'));
const seedOf = (index: number, role: string) => SEED + index * 31 + role.length;

describe('fuzzing every write endpoint', () => {
  for (const role of ['region-admin', 'municipality-admin', SELF_ROLE] as const) {
    it(
      `as a ${role}: never a 500, always the JSON error naming the problem, nothing stored changed after a refusal`,
      { timeout: 180_000 },
      async () => {
        const who = role === 'region-admin' ? admin : await fuzzer(role);
        // A personal page's session only on its own routes: everything else refuses it (test/http/access-matrix.test.ts).
        const operations = apiOperations().filter(
          (operation) =>
            WRITE_METHODS.includes(operation.method) &&
            (role !== SELF_ROLE || operation.path.startsWith('/api/v1/self/')),
        );
        expect(operations.length).toBeGreaterThan(role === SELF_ROLE ? 3 : 30);
        for (const [index, operation] of operations.entries())
          await fuzzOperation(operation, who, RUNS[role], seedOf(index, role));
      },
    );
  }

  it('got past "not found" and "If-Match missing" on every write operation (a 2xx, 409, 412, or a 400 about the body)', () => {
    const writes = apiOperations().filter((operation) => WRITE_METHODS.includes(operation.method));
    expect(writes.length).toBeGreaterThan(30);
    expect(writes.map((operation) => operation.key).filter((key) => !reachedDeep.has(key))).toEqual([]);
  });

  // KNOWN BUG (reported with issue 3): fails until a body that is not JSON gets a 400 naming the body, like every other 400.
  it('names the body when a JSON body is not JSON at all, on every operation that takes one', async () => {
    const unnamed: string[] = [];
    for (const operation of apiOperations().filter((o) => bodySchemaOf(o)?.mediaType === 'application/json')) {
      const pathParams = parametersOf(operation, 'path');
      const request: Fuzzed = {
        municipality: VANNAS,
        aimed: pathParams.map(() => true),
        junk: [],
        ifMatch: 'current',
        query: [],
        body: { contentType: 'application/json', text: '{"name": ' },
      };
      // The personal page's own routes take only its session.
      const own = operation.path.startsWith('/api/v1/self/');
      const { status, text, contentType } = await send(operation, request, own ? self : admin);
      expect(status, `${operation.key}: ${text}`).toBe(400);
      expect(contentType).toMatch(/^application\/json/);
      const details = ((JSON.parse(text) as Json).error?.details ?? []) as Detail[];
      if (!details.some((detail) => detail.field?.startsWith('body'))) unnamed.push(operation.key);
    }
    expect(unnamed, 'operations answering a body that is not JSON without naming the body').toEqual([]);
  });

  it('reading changes nothing: every GET with fuzzed query strings and ids', { timeout: 120_000 }, async () => {
    const who = [admin, await fuzzer('municipality-admin')];
    const reads = apiOperations().filter((operation) => operation.method === 'GET');
    for (const [index, operation] of reads.entries()) {
      for (const fuzzing of who) {
        const property = fc.asyncProperty(await requestArbitrary(operation), async (request) => {
          const { path, status, text, contentType, before } = await send(operation, request, fuzzing);
          const where = `GET ${path} as ${fuzzing.role} → ${status} ${text.slice(0, 300)}`;
          checkNoServerError(status, text, where);
          if (status >= 400) count(operation, `${status} ${checkedError(status, contentType, text).code}`);
          else count(operation, String(status));
          expect(changedKeys(before, await storedState(ctx)), where).toEqual([]);
        });
        await assertNamed(property, operation, fuzzing, RUNS.read, seedOf(index, fuzzing.role));
      }
    }
  });

  it('GET /metrics with fuzzed tokens and queries: the metrics for a valid token, else a JSON 401/403; nothing changed', async () => {
    const auditor = await t.tokenFor('auditor');
    const operator = await t.tokenFor('operator');
    const authorization = fc.oneof(
      fc.constant(`Bearer ${auditor}`),
      fc.constant(`Bearer ${operator}`),
      // What a header can carry (visible ASCII): anything else the client refuses before sending.
      fc.stringMatching(/^[!-~]{0,60}$/).map((junk) => `Bearer ${junk}`),
      fc.stringMatching(/^[ -~]{0,60}$/),
      fc.constant(undefined),
    );
    const property = fc.asyncProperty(authorization, fc.dictionary(fc.string(), fc.string()), async (auth, query) => {
      const before = await storedState(ctx);
      const search = new URLSearchParams(query).toString();
      const response = await t.app.request(`/metrics${search ? `?${search}` : ''}`, {
        headers: auth === undefined ? {} : { authorization: auth },
      });
      const text = await response.text();
      const where = `GET /metrics with ${JSON.stringify(auth)} → ${response.status} ${text.slice(0, 200)}`;
      if (auth === `Bearer ${auditor}`) {
        expect(response.status, where).toBe(200);
        expect(text, where).toContain('vaxel_calls_offered_total');
      } else {
        expect([401, 403], where).toContain(response.status);
        checkedError(response.status, response.headers.get('content-type') ?? '', text);
      }
      expect(changedKeys(before, await storedState(ctx)), where).toEqual([]);
    });
    await fc.assert(property, { seed: SEED, numRuns: 20 });
  });
});

afterAll(() => {
  const lines = [...tally].map(
    ([key, counts]) =>
      `  ${key}: ${[...counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([outcome, n]) => `${outcome}×${n}`)
        .join(', ')}`,
  );
  console.log(`HTTP fuzzing (FUZZ_SEED=${SEED}), answers per operation:\n${lines.join('\n')}`);
});
