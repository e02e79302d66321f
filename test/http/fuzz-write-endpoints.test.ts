import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-app.js';
import { type RedisTestContext, useRedis } from '../support/redis.js';

const ctx = useRedis();
let t: Awaited<ReturnType<typeof buildTestApp>>;
let admin: string;

beforeEach(async () => {
  t = await buildTestApp(ctx);
  admin = await t.tokenFor('region-admin', undefined, 'Fuzzer');
});

/** Every key of the test's prefix with its content, to prove a rejected request changed nothing. */
async function snapshot(c: RedisTestContext): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const key of (await c.redis.keys(`${c.k.prefix}:*`)).sort()) state[key] = String(await c.redis.dump(key));
  return state;
}

type Operation = { method: string; path: string; hasBody: boolean };

/** The write endpoints, read from the API's own OpenAPI document: a new endpoint is fuzzed without a change here. */
async function writeOperations(): Promise<Operation[]> {
  const doc = (await (await t.app.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, hasBody: operation.requestBody !== undefined })),
  );
}

/** Junk of every JSON shape, and near-misses of the fields our bodies have. */
const bodies = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      role: fc.oneof(fc.constantFrom('operator', 'region-admin', 'municipality-admin', 'auditor', 'OPERATOR', ''), fc.string()),
      municipalityId: fc.oneof(fc.constantFrom('2460', '2480', '9999', '246'), fc.string()),
      municipalities: fc.oneof(fc.array(fc.constantFrom('2460', '2480', '24', 'x')), fc.string()),
      phone: fc.oneof(fc.constantFrom('sip:a@10.0.0.1', 'sip:@', 'tel:+46'), fc.string()),
      expiresInDays: fc.oneof(fc.integer(), fc.double(), fc.string()),
    },
    { requiredKeys: [] },
  ),
);
const queries = fc.dictionary(fc.constantFrom('municipality', 'limit', 'before', 'x', 'objectId'), fc.string({ maxLength: 12 }), { maxKeys: 3 });
const segment = fc.oneof(fc.constantFrom('2460', '0', 'abc', 'ffffffffffffffff', '..', '%00'), fc.string({ minLength: 1, maxLength: 20 }));

describe('fuzzing every write endpoint', () => {
  it('never answers 500 to any body or query string: rejections are JSON naming the problem, and change nothing', async () => {
    const operations = await writeOperations();
    expect(operations.length).toBeGreaterThanOrEqual(4);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...operations), bodies, segment, queries, fc.boolean(), async (operation, body, param, query, malformed) => {
        const search = new URLSearchParams(query).toString();
        const path = operation.path.replace(/\{[^}]+\}/g, encodeURIComponent(param)) + (search ? `?${search}` : '');
        const before = await snapshot(ctx);
        const raw = malformed ? `${JSON.stringify(body)}}` : JSON.stringify(body);
        const response = await t.app.request(path, {
          method: operation.method,
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: operation.hasBody ? raw : undefined,
        });
        // 503 is honest here (the harness has no Asterisk); 500 would be our fault.
        expect(response.status).not.toBe(500);
        if (response.status >= 400) {
          const answer = (await response.json()) as { error?: { code?: string; message?: string } };
          expect(answer.error?.code).toMatch(/^[a-z_]+$/);
          expect(answer.error?.message?.length).toBeGreaterThan(5);
          expect(await snapshot(ctx)).toEqual(before);
        } else {
          // Accepted: undo nothing, but the next run starts from what is stored now.
          await response.arrayBuffer();
        }
      }),
      { numRuns: 300 },
    );
  });
});
