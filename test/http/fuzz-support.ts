import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { localActor } from '../../src/auth/token-store.js';
import type { buildTestApp } from '../support/http-app.js';
import { toneWav } from '../support/wav.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

/**
 * What the HTTP fuzzing and the access matrix share: the API's operations read from its own
 * OpenAPI document (so a new route is fuzzed and must be in the matrix without a change here),
 * request values generated from the document's schemas, one existing object per resource and
 * municipality to aim at, and the stored state to compare before and after a request.
 */

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

export { UMEA, VANNAS };

// ---------------------------------------------------------------------------------------------
// The OpenAPI document

/** The part of JSON Schema (OpenAPI 3.1) that zod-openapi writes for this API. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  readOnly?: boolean;
  example?: unknown;
}

export interface Parameter {
  in: 'query' | 'path' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface OperationSpec {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationSpec>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As the document writes it: /api/v1/extensions/{id}. */
  path: string;
  /** "PATCH /api/v1/extensions/{id}" */
  key: string;
  spec: OperationSpec;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export const WRITE_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

export async function openApiDocument(app: TestApp['app']): Promise<OpenApiDocument> {
  return (await (await app.request('/api/openapi.json')).json()) as OpenApiDocument;
}

/** Every operation of the document, in its order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => {
      const upper = method.toUpperCase() as Operation['method'];
      return { method: upper, path, key: `${upper} ${path}`, spec: item[method]! };
    }),
  );
}

export const parametersOf = (operation: Operation, where: Parameter['in']) =>
  (operation.spec.parameters ?? []).filter((p) => p.in === where);

// ---------------------------------------------------------------------------------------------
// Values from a schema: valid ones, and ones made wrong in exactly one place

/**
 * What values are made from: the document (for $refs) and hints, values the region knows by
 * field or parameter name (its municipalities, numbers in their ranges), used most of the time
 * so that a valid body is often valid to the API too, not only to its schema.
 */
export interface Generation {
  doc: OpenApiDocument;
  hints: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

/** A valid value of a field or parameter: mostly its hint, when it has one. */
function validNamed(name: string, schema: JsonSchema, g: Generation): fc.Arbitrary<unknown> {
  const hint = g.hints[name];
  return hint
    ? fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: validValue(schema, g), weight: 1 })
    : validValue(schema, g);
}

/** The schema itself, its $ref followed and an allOf merged (zod-openapi writes nullable refs as allOf [ref, {type: [object, null]}]). */
function resolved(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`The OpenAPI document has no schema ${schema.$ref}`);
    return resolved(target, doc);
  }
  if (schema.allOf) {
    const { allOf, ...rest } = schema;
    return allOf
      .map((part) => resolved(part, doc))
      .reduce(
        (merged, part) => ({ ...merged, ...part, properties: { ...merged.properties, ...part.properties } }),
        rest,
      );
  }
  return schema;
}

const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'array', 'object'] as const;

function typesOf(schema: JsonSchema): string[] {
  if (schema.type) return [schema.type].flat();
  if (schema.enum) return [...new Set(schema.enum.map((value) => (value === null ? 'null' : typeof value)))];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

/** Text of every kind people type: ASCII, Swedish letters, any Unicode, blanks. */
const anyText = (minLength: number, maxLength: number) =>
  fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ minLength, maxLength, unit: fc.constantFrom(...'aåäöÅÄÖé -'.split('')) }),
    fc.string({ minLength, maxLength, unit: 'grapheme' }),
  );

const dateTime = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .chain((date) => fc.constantFrom(date.toISOString(), date.toISOString().replace(/\.\d+Z$/, '+01:00')));

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 40, min + 40);
  if (schema.format === 'date-time') return dateTime;
  if (schema.format === 'email')
    return fc
      .tuple(fc.stringMatching(/^[a-z]{1,12}$/), fc.constantFrom('vannas.se', 'umea.se'))
      .map(([user, domain]) => `${user}@${domain}`);
  if (schema.pattern)
    return fc
      .stringMatching(new RegExp(schema.pattern), { maxLength: schema.maxLength ?? 100 })
      .filter((s) => s.length >= min);
  return anyText(min, max);
}

/** A value the schema accepts (as far as the schema says: members, ranges and uniqueness are the API's to judge). */
export function validValue(schema: JsonSchema, g: Generation): fc.Arbitrary<unknown> {
  const s = resolved(schema, g.doc);
  const alternatives = s.oneOf ?? s.anyOf;
  let value: fc.Arbitrary<unknown>;
  if (alternatives) value = fc.oneof(...alternatives.map((alternative) => validValue(alternative, g)));
  else if (s.enum) value = fc.constantFrom(...s.enum);
  else {
    const types = typesOf(s);
    const byType = types.filter((type) => type !== 'null').map((type) => validOfType(type, s, g));
    if (byType.length === 0) value = types.includes('null') ? fc.constant(null) : fc.jsonValue();
    else
      value = types.includes('null')
        ? fc.oneof({ arbitrary: fc.oneof(...byType), weight: 4 }, { arbitrary: fc.constant(null), weight: 1 })
        : fc.oneof(...byType);
  }
  // The document's examples are values that also pass the API's own checks (a member's number, an extension in its range).
  return s.example === undefined
    ? value
    : fc.oneof({ arbitrary: fc.constant(s.example), weight: 2 }, { arbitrary: value, weight: 3 });
}

function validOfType(type: string, s: JsonSchema, g: Generation): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return validString(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? 0, max: s.maximum ?? (s.minimum ?? 0) + 1000 });
    case 'number':
      return fc.double({
        min: s.minimum ?? 0,
        max: s.maximum ?? (s.minimum ?? 0) + 1000,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = s.minItems ?? 0;
      return fc.array(s.items ? validValue(s.items, g) : fc.jsonValue(), {
        minLength,
        maxLength: Math.min(s.maxItems ?? minLength + 3, minLength + 3),
      });
    }
    case 'object': {
      // A field the API computes (readOnly, e.g. a change's municipalityId) is never sent by a valid request.
      // An optional field is left out more often than not (undefined: JSON leaves it out), so that few fields can be wrong at once.
      const fields = Object.entries(s.properties ?? {}).filter(([, field]) => !field.readOnly);
      const required = s.required ?? [];
      return fc.record(
        Object.fromEntries(
          fields.map(([name, field]) => {
            const value = validNamed(name, field, g);
            return [
              name,
              required.includes(name)
                ? value
                : fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: value, weight: 2 }),
            ];
          }),
        ),
      );
    }
    default:
      return fc.jsonValue();
  }
}

/** A value of a JSON type the schema does not allow. */
function wrongType(s: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const allowed = typesOf(s);
  if (allowed.length === 0) return undefined;
  const samples: Record<(typeof JSON_TYPES)[number], fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 8 }),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    integer: fc.integer(),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.jsonValue(), { maxLength: 2 }),
    object: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue(), { maxKeys: 2 }),
  };
  const wrong = JSON_TYPES.filter(
    (type) => !allowed.includes(type) && !(type === 'integer' && allowed.includes('number')),
  );
  return wrong.length > 0 ? fc.oneof(...wrong.map((type) => samples[type])) : undefined;
}

/**
 * A value the schema almost accepts: valid but for one place, where it has the wrong type, is
 * out of range, misses a required field or has one the schema does not know.
 */
export function mutatedValue(schema: JsonSchema, g: Generation): fc.Arbitrary<unknown> {
  const s = resolved(schema, g.doc);
  const options: fc.Arbitrary<unknown>[] = [];
  const typeMismatch = wrongType(s);
  if (typeMismatch) options.push(typeMismatch);
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) options.push(fc.oneof(...alternatives.map((alternative) => mutatedValue(alternative, g))));
  if (s.enum)
    options.push(
      fc
        .oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...s.enum.map((value) => String(value).toUpperCase())))
        .filter((value) => !s.enum!.includes(value)),
    );
  const types = typesOf(s);
  if (types.includes('string') && !s.enum) {
    if (s.maxLength !== undefined) options.push(fc.string({ minLength: s.maxLength + 1, maxLength: s.maxLength + 20 }));
    if ((s.minLength ?? 0) > 0) options.push(fc.constantFrom('', ' '.repeat(s.minLength!)));
    if (s.pattern) {
      const pattern = new RegExp(s.pattern);
      options.push(anyText(0, 20).filter((text) => !pattern.test(text)));
    }
    if (s.format === 'date-time')
      options.push(fc.constantFrom('2026-13-40T25:00:00+01:00', '2026-11-27T13:00:00', 'tomorrow', '2026-11-27'));
    if (s.format === 'email') options.push(fc.constantFrom('anna', 'anna@', '@vannas.se', 'a b@c.se'));
  }
  if (types.includes('integer') || types.includes('number')) {
    if (s.minimum !== undefined) options.push(fc.constantFrom(s.minimum - 1, s.minimum - 0.5, -1e9));
    if (s.maximum !== undefined) options.push(fc.constantFrom(s.maximum + 1, s.maximum + 0.5, 1e12));
    if (types.includes('integer')) options.push(fc.constantFrom(1.5, 2.25));
    options.push(fc.constantFrom('5', '1e3'));
  }
  if (types.includes('array')) {
    const items = s.items;
    if (s.maxItems !== undefined && items)
      options.push(fc.array(validValue(items, g), { minLength: s.maxItems + 1, maxLength: s.maxItems + 2 }));
    if ((s.minItems ?? 0) > 0) options.push(fc.constant([]));
    if (items) {
      options.push(
        fc
          .tuple(fc.array(validValue(items, g), { maxLength: 2 }), mutatedValue(items, g), fc.nat())
          .map(([valid, bad, at]) => valid.toSpliced(at % (valid.length + 1), 0, bad)),
      );
    }
  }
  if (types.includes('object')) {
    const valid = validOfType('object', s, g) as fc.Arbitrary<Record<string, unknown>>;
    const known = Object.keys(s.properties ?? {});
    options.push(
      fc
        .tuple(
          valid,
          fc.string({ minLength: 1, maxLength: 12 }).filter((name) => !known.includes(name) && name !== '__proto__'),
          fc.jsonValue().filter((junk) => junk !== undefined),
        )
        .map(([value, name, junk]) => ({ ...value, [name]: junk })),
    );
    const required = s.required ?? [];
    if (required.length > 0) {
      options.push(
        fc
          .tuple(valid, fc.constantFrom(...required))
          .map(([value, name]) => Object.fromEntries(Object.entries(value).filter(([field]) => field !== name))),
      );
    }
    if (known.length > 0) {
      options.push(
        fc.constantFrom(...known).chain((name) => {
          const field = s.properties![name]!;
          // A readOnly field is wrong whatever its value: it may not be sent at all.
          return fc
            .tuple(valid, field.readOnly ? fc.jsonValue() : mutatedValue(field, g))
            .map(([value, bad]) => ({ ...value, [name]: bad }));
        }),
      );
    }
  }
  return options.length > 0 ? fc.oneof(...options) : fc.jsonValue();
}

// ---------------------------------------------------------------------------------------------
// Requests: query strings, JSON and CSV bodies

export type QueryPairs = [string, string][];

const asQueryValues = (value: unknown): string[] =>
  value === undefined
    ? []
    : Array.isArray(value)
      ? value.flatMap(asQueryValues)
      : [typeof value === 'string' ? value : JSON.stringify(value)];

/** Parameters nobody declared, and odd encodings of them. */
const junkQuery: fc.Arbitrary<QueryPairs> = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('municipality', 'limit', 'x', 'dryRun', '', 'a[b]'), fc.string({ maxLength: 8 })),
    fc.string({ maxLength: 12 }),
  ),
  {
    maxLength: 3,
  },
);

/**
 * A query string for the operation's query parameters: every required one and some optional
 * ones with valid values, sometimes one of them wrong, repeated, or an undeclared one added;
 * for an operation without query parameters, mostly none and sometimes junk.
 */
export function queryArbitrary(operation: Operation, g: Generation): fc.Arbitrary<QueryPairs> {
  const params = parametersOf(operation, 'query');
  if (params.length === 0)
    return fc.oneof({ arbitrary: fc.constant<QueryPairs>([]), weight: 4 }, { arbitrary: junkQuery, weight: 1 });
  const valid: fc.Arbitrary<QueryPairs> = fc
    .tuple(
      ...params.map((param) =>
        param.required
          ? validNamed(param.name, param.schema, g)
          : fc.option(validNamed(param.name, param.schema, g), { nil: undefined, freq: 2 }),
      ),
    )
    .map((values) =>
      params.flatMap((param, i) => asQueryValues(values[i]).map((value): [string, string] => [param.name, value])),
    );
  const mutated: fc.Arbitrary<QueryPairs> = fc.oneof(
    fc
      .tuple(valid, fc.constantFrom(...params))
      .chain(([pairs, param]) =>
        fc
          .oneof(mutatedValue(param.schema, g), fc.string({ maxLength: 12 }))
          .map((bad) => [
            ...pairs.filter(([name]) => name !== param.name),
            ...asQueryValues(bad).map((v): [string, string] => [param.name, v]),
          ]),
      ),
    fc
      .tuple(valid, fc.constantFrom(...params))
      .map(([pairs, param]): QueryPairs => [...pairs.filter(([name]) => name !== param.name)]),
    fc.tuple(valid, junkQuery).map(([pairs, junk]) => [...pairs, ...junk]),
    valid.map((pairs) => [...pairs, ...pairs]),
  );
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: mutated, weight: 2 });
}

export interface RequestBody {
  contentType?: string;
  text: string;
}

/** The schema of the operation's request body and its media type, if it has one. */
export function bodySchemaOf(operation: Operation): { mediaType: string; schema: JsonSchema } | undefined {
  const [mediaType, content] = Object.entries(operation.spec.requestBody?.content ?? {})[0] ?? [];
  return mediaType && content ? { mediaType, schema: content.schema } : undefined;
}

/** Mostly valid JSON, often wrong in one field, sometimes any JSON; sent mostly as JSON, sometimes malformed or as something else. */
export function jsonBodyArbitrary(
  schema: JsonSchema | undefined,
  g: Generation,
): fc.Arbitrary<RequestBody | undefined> {
  const value = schema
    ? fc.oneof(
        { arbitrary: validValue(schema, g), weight: 4 },
        { arbitrary: mutatedValue(schema, g), weight: 4 },
        { arbitrary: fc.jsonValue(), weight: 1 },
      )
    : fc.jsonValue();
  const encoded = value.chain((body) => {
    const json = JSON.stringify(body) ?? 'null';
    return fc.oneof(
      { arbitrary: fc.constant<RequestBody>({ contentType: 'application/json', text: json }), weight: 10 },
      {
        arbitrary: fc.constantFrom<RequestBody>(
          { contentType: 'application/json', text: `${json}}` },
          { contentType: 'application/json', text: json.slice(0, -1) },
        ),
        weight: 1,
      },
      {
        arbitrary: fc.constantFrom<RequestBody>(
          { contentType: 'text/plain', text: json },
          { text: json },
          { contentType: 'application/json', text: '' },
        ),
        weight: 1,
      },
    );
  });
  // An operation without a body gets one now and then: it must be ignored, not choked on.
  return schema ? encoded : fc.option(encoded, { nil: undefined, freq: 4 });
}

/** A CSV cell as a spreadsheet writes it: quoted when it holds the delimiter, a quote or a line break. */
const csvCell = (cell: string, delimiter: string) =>
  /["\r\n]/.test(cell) || cell.includes(delimiter) ? `"${cell.replaceAll('"', '""')}"` : cell;

const junkCell = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ maxLength: 20, unit: 'grapheme' }),
  fc.constantFrom(
    '',
    ' ',
    '"',
    '""',
    'a"b',
    ';',
    ',',
    '\n',
    '|',
    '||',
    '2460abc',
    '+46',
    '0935-141 00',
    '=cmd|x',
    '\u0000',
    'x'.repeat(300),
  ),
);

/**
 * A CSV import's body: the exported file (header and rows of what is stored, so valid) with a
 * row changed, dropped, doubled or given a bad cell, a column renamed, missing or doubled; with
 * or without a BOM, with commas or semicolons and CRLF; sometimes plain junk or not CSV at all.
 */
export function csvBodyArbitrary(exported: { header: string[]; rows: string[][] }): fc.Arbitrary<RequestBody> {
  const { header, rows } = exported;
  type Table = string[][];
  const table = fc.constant<Table>([header, ...rows]);
  const changeRow = (change: (row: string[], cell: string, column: number) => string[]) =>
    fc.tuple(table, fc.nat(), fc.nat(), junkCell).map(([t, r, c, cell]) => {
      if (t.length < 2) return [...t, header.map(() => cell)];
      const at = 1 + (r % (t.length - 1));
      return t.map((row, i) => (i === at ? change(row, cell, c % row.length) : row));
    });
  const tables: fc.Arbitrary<Table> = fc.oneof(
    { arbitrary: table, weight: 3 },
    { arbitrary: changeRow((row, cell, column) => row.map((old, i) => (i === column ? cell : old))), weight: 6 },
    { arbitrary: changeRow((row, _cell, column) => row.filter((_, i) => i !== column)), weight: 1 },
    { arbitrary: changeRow((row, cell) => [...row, cell]), weight: 1 },
    { arbitrary: table.map((t) => [...t, ...t.slice(1)]), weight: 1 },
    {
      arbitrary: fc
        .tuple(table, fc.nat(), junkCell)
        .map(([t, c, name]) => [t[0]!.map((old, i) => (i === c % t[0]!.length ? name : old)), ...t.slice(1)]),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(table, fc.nat())
        .map(([t, c]) => t.map((row) => row.filter((_, i) => i !== c % t[0]!.length))),
      weight: 1,
    },
    { arbitrary: table.map((t) => [t[0]!]), weight: 1 },
  );
  const written = fc
    .tuple(tables, fc.constantFrom(',', ';'), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean())
    .map(([t, delimiter, eol, bom, quoteAll]) => {
      const lines = t.map((row) =>
        row.map((cell) => (quoteAll ? `"${cell.replaceAll('"', '""')}"` : csvCell(cell, delimiter))).join(delimiter),
      );
      return `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
    });
  const junk = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ maxLength: 100, unit: 'grapheme' }),
    fc.constantFrom('', '\uFEFF', '"', `${header.join(',')}\n"unclosed,quote\n`, '{"json": true}'),
  );
  const text = fc.oneof({ arbitrary: written, weight: 6 }, { arbitrary: junk, weight: 1 });
  const contentType = fc.oneof(
    { arbitrary: fc.constantFrom<string | undefined>('text/csv', 'text/csv; charset=utf-8'), weight: 8 },
    { arbitrary: fc.constantFrom<string | undefined>('application/json', 'text/plain', undefined), weight: 1 },
  );
  return fc.tuple(text, contentType).map(([body, type]) => ({ text: body, ...(type ? { contentType: type } : {}) }));
}

/** A path segment that is not any object's id, or not even a valid one. */
export const junkSegment = fc.oneof(
  fc.constantFrom(
    '0',
    'abc',
    'ffffffffffffffff',
    '0000000000000000',
    '9999',
    '..',
    '%00',
    '%2F',
    'x'.repeat(200),
    'export',
    'import',
  ),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);

// ---------------------------------------------------------------------------------------------
// Objects to aim at

export interface Target {
  /** Values for the path's parameters. */
  params: Record<string, string>;
  /** The object's current ETag, when it has one. */
  etag?: string;
}

const setup = localActor('test setup');

/**
 * One object of each kind per municipality, made again when a request deleted or ended it, so
 * that most fuzzed requests reach an object that exists, with its current version. The
 * switchboard's own principal (the fuzzer's token) is logged in as an operator on demand.
 */
export function createTargets(t: TestApp) {
  const made = new Map<string, string>();
  let serial = 0;
  const next = () => ++serial;

  /** The id under `name`, still there, or a new object made by `make`. */
  async function kept(
    name: string,
    exists: (id: string) => Promise<boolean>,
    make: () => Promise<string>,
  ): Promise<string> {
    const id = made.get(name);
    if (id !== undefined && (await exists(id))) return id;
    const fresh = await make();
    made.set(name, fresh);
    return fresh;
  }

  type Store = {
    get(id: string): Promise<{ version: number } | undefined>;
    create(input: never, actor: typeof setup): Promise<{ id: string }>;
    remove(id: string, basedOn: number, actor: typeof setup): Promise<unknown>;
  };
  const digits = (n: number) => String(n % 100).padStart(2, '0');
  /** Each admin resource's store and the n-th input to make an object of municipality m (numbers and extensions in its ranges). */
  const adminResources: Record<string, [Store, (m: string, n: number) => unknown]> = {
    extensions: [
      t.admin.extensions,
      (m, n) => ({
        extension: `${m}9${digits(n)}`,
        displayName: 'Fuzz Target',
        municipalityId: m,
        password: 'fuzz target password',
      }),
    ],
    numbers: [
      t.admin.numbers,
      (m, n) => ({
        number: `${m === VANNAS ? '+46935149' : '+46901699'}${digits(n)}`,
        municipalityId: m,
        target: { kind: 'queue' },
      }),
    ],
    'opening-hours': [t.admin.openingHours, (m) => ({ municipalityId: m, weekly: { monday: ['08:00-16:00'] } })],
    'opening-hours-exceptions': [
      t.admin.openingExceptions,
      (m) => ({
        municipalityId: m,
        start: '2027-12-24T00:00:00+01:00',
        end: '2027-12-25T00:00:00+01:00',
        kind: 'closed',
        reason: 'Julafton',
      }),
    ],
    greetings: [t.admin.greetings, (m) => ({ municipalityId: m, greeting: 'Välkommen' })],
    'operator-accounts': [
      t.admin.operatorAccounts,
      (m) => ({ name: 'Fuzz Target', municipalityId: m, municipalities: [{ id: m, weight: 1 }] }),
    ],
    'queue-policies': [t.admin.queuePolicies, (m) => ({ municipalityId: m, announceEverySeconds: 60 })],
    'dial-policies': [
      t.admin.dialPolicies,
      (m) => ({
        municipalityId: m,
        allow: { extension: ['mobile'], transfer: ['mobile'], callback: ['mobile'], forwarded: [] },
        extensionDailyCap: { calls: 100, minutes: 300 },
      }),
    ],
  };

  /** A stored admin object (version 0 is the config's, not stored: then one is made). */
  async function adminObject(plural: string, m: string): Promise<Target> {
    const [store, input] = adminResources[plural]!;
    const id = await kept(
      `${plural}:${m}`,
      async (id) => ((await store.get(id))?.version ?? 0) > 0,
      async () => {
        // One a request made meanwhile (a per-municipality object's id is the kommunkod).
        if (((await store.get(m))?.version ?? 0) > 0) return m;
        // A number or extension a request took meanwhile: try the next one.
        for (let attempt = 0; ; attempt++) {
          try {
            return (await store.create(input(m, next()) as never, setup)).id;
          } catch (error) {
            if (attempt > 20) throw error;
          }
        }
      },
    );
    return { params: { id }, etag: `"${(await store.get(id))!.version}"` };
  }

  async function entry(m: string): Promise<Target> {
    const id = await kept(
      `entry:${m}`,
      async (id) => (await t.entries.get(id)) !== undefined,
      async () =>
        (await t.entries.create({ kind: 'function', name: `Fuzz target ${next()}`, municipalityId: m }, setup)).id,
    );
    return { params: { id }, etag: `"${(await t.entries.get(id))!.version}"` };
  }

  const mainNumber = (m: string) => (m === VANNAS ? '+4693514100' : '+4690161000');
  /** A call waiting in the municipality's queue. */
  async function waitingCall(m: string): Promise<string> {
    return kept(
      `call:${m}`,
      async (id) => (await t.queue.get(id))?.state === 'waiting',
      async () => {
        const callId = `fuzz-${m}-${next()}`;
        await t.queue.enqueue({
          callId,
          channelId: callId,
          municipalityId: m,
          calledNumber: mainNumber(m),
          caller: '+46701234567',
          reason: 'main-number',
        });
        return callId;
      },
    );
  }

  return {
    /** A target for every path parameter of the operation, in municipality m; undefined when no kind of object fits the path. */
    async forPath(path: string, m: string): Promise<Target | undefined> {
      const plural = /^\/api\/v1\/([a-z-]+)\/\{id\}$/.exec(path)?.[1];
      if (plural && adminResources[plural]) return adminObject(plural, m);
      if (/^\/api\/v1\/directory\/entries\/\{id\}(\/absence)?$/.test(path)) return entry(m);
      if (path === '/api/v1/extensions/{id}/pin') return { params: (await adminObject('extensions', m)).params };
      if (/^\/api\/v1\/(calls|operator\/calls)\/\{callId\}/.test(path))
        return { params: { callId: await waitingCall(m) } };
      if (path === '/api/v1/callbacks/{callId}/cancel') {
        const callId = await kept(
          `callback:${m}`,
          async (id) => ['scheduled', 'waiting'].includes((await t.queue.get(id))?.state ?? ''),
          async () =>
            (await t.callControl.callbacks.book({ callId: await waitingCall(m), windowFrom: Date.now() + 3_600_000 }))
              .callback.callId,
        );
        return { params: { callId } };
      }
      if (path === '/api/v1/messages/{id}/handled') {
        const entryId = (await entry(m)).params.id!;
        const id = await kept(
          `message:${m}`,
          async (id) => (await t.callControl.messages.get(id)) !== null,
          async () => (await t.callControl.messages.create({ entryId, text: 'Ring tillbaka' }, 'test setup')).id,
        );
        return { params: { id } };
      }
      if (path === '/api/v1/messages/{id}/recording') {
        const entryId = (await entry(m)).params.id!;
        const id = await kept(
          `voice-message:${m}`,
          async (id) => (await t.callControl.messages.get(id)) !== null,
          async () => {
            const wav = toneWav(1_500);
            const recording = { wav, durationMs: 1_500 };
            return (
              await t.callControl.messages.create({ entryId, text: 'Röstmeddelande (0:02)', recording }, 'test setup')
            ).id;
          },
        );
        return { params: { id } };
      }
      if (path === '/api/v1/tokens/{tokenId}') {
        const tokenId = await kept(
          `token:${m}`,
          async (id) => (await t.tokens.get(id)) !== undefined,
          async () =>
            (await t.tokens.create({ name: 'Fuzz target', role: 'municipality-admin', municipalityId: m }, setup))
              .record.id,
        );
        return { params: { tokenId } };
      }
      if (/^\/api\/v1\/(queues|parks|statistics\/municipalities)\/\{municipalityId\}/.test(path))
        return { params: { municipalityId: m } };
      if (path === '/api/v1/municipalities/{id}') return { params: { id: m } };
      // A well-formed name of a spoken text no one stored (storing one means speaking it).
      if (path === '/media/spoken/{file}') return { params: { file: `${'0'.repeat(64)}.wav` } };
      return undefined;
    },

    /** The CSV the export gives for municipality m: header and rows of what is stored (one object at least). */
    async exportedCsv(
      kind: 'directory/entries' | 'extensions',
      m: string,
      token: string,
    ): Promise<{ text: string; header: string[]; rows: string[][] }> {
      await (kind === 'extensions' ? adminObject('extensions', m) : entry(m));
      const response = await t.app.request(`/api/v1/${kind}/export?municipality=${m}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`export of ${kind} answered ${response.status}: ${text}`);
      const [header, ...rows] = parse(text, { bom: true }) as string[][];
      return { text, header: header!, rows };
    },

    /** No stored object of a per-municipality resource (opening hours, greeting, queue or dial policy: their id is the kommunkod), so that one can be created. */
    async vacate(plural: string, m: string): Promise<void> {
      const [store] = adminResources[plural]!;
      const found = await store.get(m);
      if (found && found.version > 0) await store.remove(m, found.version, setup);
    },

    /** The principal behind `token` logged in as an operator serving both municipalities, unless it is. */
    async operatorSession(principalId: string, name: string): Promise<void> {
      if (await t.operators.get(principalId)) return;
      await t.operators.login(principalId, { name, phone: 'sip:fuzz@127.0.0.1', municipalities: [VANNAS, UMEA] });
    },
  };
}
