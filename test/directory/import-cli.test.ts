import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { useRedis } from '../support/redis.js';
import { snapshot, syncRegion, VANNAS } from './support.js';

const ctx = useRedis();
// The region as the switchboard writes it at start: `vaxel import` checks against the Redis it is given.
beforeEach(() => syncRegion(ctx));
const run = promisify(execFile);

/** `vaxel` as IT staff run it, against the test's redis-server and key prefix. */
async function vaxel(...args: string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, REDIS_URL: ctx.server.url, REDIS_PREFIX: ctx.k.prefix, LOG_LEVEL: 'warn' };
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli/vaxel.ts', ...args], { env });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vaxel-import-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('vaxel import / export', () => {
  it('dry-runs a bad file listing each bad line, imports a good one with a progress bar, and exports it back', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'kind,name,phoneNumbers\nfunction,Växeln,0935-141 00\nfunction,,\nfunction,Fel,12\n');
    const before = await snapshot(ctx);
    const dry = await vaxel('import', 'entries', '--municipality', VANNAS, '--file', bad, '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.out).toMatch(/line 3, name: /);
    expect(dry.out).toMatch(/line 4, phoneNumbers: /);
    expect(await snapshot(ctx)).toEqual(before);
    const refused = await vaxel('import', 'entries', '--municipality', VANNAS, '--file', bad);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('Nothing was imported');
    expect(await snapshot(ctx)).toEqual(before);

    const good = join(dir, 'good.csv');
    const rows = Array.from({ length: 2500 }, (_, i) => `person,Förnamn${i},Efternamn,${2460000 + i}`);
    await writeFile(good, ['kind,givenName,familyName,extension', ...rows].join('\n'));
    const imported = await vaxel('import', 'entries', '--municipality', VANNAS, '--file', good);
    expect(imported.code).toBe(0);
    // Staged, checked against the stored data, then written chunk by chunk ("switching"): each phase's end is a line.
    for (const phase of ['staging', 'checking', 'switching', 'done'])
      expect(imported.out).toMatch(new RegExp(`${phase}\\s+\\|.*\\| 2500/2500 rows`));
    expect(imported.out).toContain(`Imported 2500 rows into ${VANNAS}: 2500 new`);

    const out = join(dir, 'export.csv');
    expect((await vaxel('export', 'entries', '--municipality', VANNAS, '--out', out)).out).toContain(
      `Wrote 2500 entries of ${VANNAS}`,
    );
    expect((await readFile(out, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2501);
    const again = await vaxel(
      'import',
      'entries',
      '--municipality',
      VANNAS,
      '--file',
      out,
      '--mode',
      'replace',
      '--dry-run',
    );
    expect(again.out).toContain(
      'all 2500 rows are fine; importing would make 0 new, 0 changed, 2500 unchanged, 0 deleted',
    );
    // Each run starts a Node process with tsx: seconds each on a busy machine.
  }, 240_000);

  it('imports into a member municipality only', async () => {
    const file = join(await tempDir(), 'entries.csv');
    await writeFile(file, 'kind,name\nfunction,Växeln\n');
    const before = await snapshot(ctx);
    const outside = await vaxel('import', 'entries', '--municipality', '9999', '--file', file);
    expect(outside.code).toBe(1);
    expect(outside.out).toContain('municipalityId: 9999 is not a member municipality (config/region.yaml)');
    expect(await snapshot(ctx)).toEqual(before);
  }, 120_000);

  it('imports into a Redis the switchboard has not started on yet: the members come from the config', async () => {
    const fresh = await ctx.redis.keys(`${ctx.k.prefix}:*`);
    if (fresh.length > 0) await ctx.redis.del(fresh);
    const file = join(await tempDir(), 'entries.csv');
    await writeFile(file, 'kind,name,extension\nfunction,Växeln,2460100\n');
    const imported = await vaxel('import', 'entries', '--municipality', VANNAS, '--file', file);
    expect(imported.out).toMatch(/Imported 1 rows into 2460: 1 new/);
    expect(imported.code).toBe(0);
  }, 120_000);

  it('names a wrong argument', async () => {
    const wrong = await vaxel('import', 'phones', '--municipality', '24', '--file', 'x.csv');
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/kind: say what the file holds/);
    expect(wrong.out).toMatch(/municipality: must be a four-digit SCB kommunkod/);
  });
});
