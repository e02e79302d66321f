import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { PASSWORD, UMEA, VANNAS, adminApp, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

async function upload(query: string, csv: string) {
  const response = await app.t.app.request(`/api/v1/extensions/import?${query}`, { method: 'POST', headers: { authorization: `Bearer ${app.admin}`, 'content-type': 'text/csv' }, body: csv });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string; details?: unknown[] } } };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('extensions CSV import and export', () => {
  it('creates extensions with their SIP digest, exports them without passwords, and the export imports back as unchanged', async () => {
    const csv = ['extension;displayName;directNumber;password', `2460123;Anna Berg;0935-141 23;${PASSWORD}`, `2460124;Bo Ek;;${PASSWORD}`].join('\n');
    expect((await upload(`municipality=${VANNAS}`, csv)).body).toMatchObject({ rows: 2, created: 2, problems: [] });
    expect(await app.t.admin.extensions.sipCredentials('2460123')).toMatchObject({ ha1: md5(`2460123:regionvaxel:${PASSWORD}`) });

    const exported = await (await app.t.app.request(`/api/v1/extensions/export?municipality=${VANNAS}`, { headers: { authorization: `Bearer ${app.admin}` } })).text();
    const lines = exported.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('id,extension,displayName,directNumber,directoryEntryId,password');
    expect(lines.slice(1).map((line) => line.split(',').slice(1).join(','))).toEqual(['2460123,Anna Berg,+4693514123,,', '2460124,Bo Ek,,,']);
    expect(exported).not.toContain(PASSWORD);

    expect((await upload(`municipality=${VANNAS}&mode=replace`, exported)).body).toMatchObject({ created: 0, updated: 0, unchanged: 2, deleted: 0 });
    // By number, without ids: the existing extension is changed, not duplicated; the password is kept.
    expect((await upload(`municipality=${VANNAS}`, 'extension,displayName\n2460123,Anna Berg-Ek')).body).toMatchObject({ created: 0, updated: 1 });
    expect(await app.t.admin.extensions.sipCredentials('2460123')).toMatchObject({ ha1: md5(`2460123:regionvaxel:${PASSWORD}`) });
  });

  it('changes nothing when a row is bad; a dry run lists every bad row by line and column', async () => {
    await upload(`municipality=${UMEA}`, `extension,displayName,password\n2480100,Umeå Person,${PASSWORD}`);
    const before = await snapshot(ctx);
    const bad = [
      'extension,displayName,directNumber,password',
      `2460123,Anna,,${PASSWORD}`,
      `2460124,Utan lösenord,,`,
      `2480200,Fel kommun,,${PASSWORD}`,
      `2460125,Fel nummer,090-16 10 00,${PASSWORD}`,
      `2460123,Dubbel,,${PASSWORD}`,
    ].join('\n');
    const dry = await upload(`municipality=${VANNAS}&dryRun=true`, bad);
    expect((dry.body.problems as { line: number; column: string }[]).map((p) => `${p.line}:${p.column}`)).toEqual(['3:password', '4:extension', '5:directNumber', '6:extension']);
    const real = await upload(`municipality=${VANNAS}`, bad);
    expect(real).toMatchObject({ status: 400, body: { error: { code: 'invalid_rows' } } });
    expect(await snapshot(ctx)).toEqual(before);
  });
});
