import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { keys } from '../../src/store/keys.js';
import { PASSWORD, adminApp } from '../admin/support.js';
import { VANNAS } from '../support/municipalities.js';
import { useRedis } from '../support/redis.js';
import { storedState } from '../support/stored-state.js';

const ctx = useRedis();
const run = promisify(execFile);

/** `vaxel` as IT staff run it, against the test's redis-server and a key prefix. */
async function vaxel(prefix: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, REDIS_URL: ctx.server.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn' };
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli/vaxel.ts', ...args], { env });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('vaxel backup / restore', () => {
  it('writes a private file without secrets, dry-runs, restores into an empty prefix and refuses the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaxel-backup-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const { send, admin } = await adminApp(ctx);
    const created = await send('POST', '/api/v1/extensions', {
      body: { extension: '2460100', displayName: 'Växeln', municipalityId: VANNAS, password: PASSWORD },
    });
    expect(created.status).toBe(201);

    const file = join(dir, 'region.json');
    const backup = await vaxel(ctx.k.prefix, 'backup', '--out', file);
    expect(backup.code, backup.out).toBe(0);
    expect(backup.out).toContain(`Wrote ${file}: 1 admin objects, 0 directory entries, 1 token hashes, 0 PIN hashes.`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    for (const secret of [PASSWORD, admin]) {
      expect(text).not.toContain(secret);
      expect(backup.out).not.toContain(secret);
    }

    // A region of its own beside the test's; it goes with the file's redis-server and its data directory.
    const target = { redis: ctx.redis, k: keys(`${ctx.k.prefix}-restored`) };
    const dry = await vaxel(target.k.prefix, 'restore', '--file', file, '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain(
      'Dry run: the backup is valid and the region is empty; restoring would write 1 extension',
    );
    expect((await storedState(target)).size).toBe(0);

    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, text.replace('"displayName": "Växeln"', '"displayName": ""'));
    const refused = await vaxel(target.k.prefix, 'restore', '--file', corrupt);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/admin\.extension\[0\]\.doc\.displayName: must not be empty/);
    expect((await storedState(target)).size).toBe(0);

    const restored = await vaxel(target.k.prefix, 'restore', '--file', file);
    expect(restored.code, restored.out).toBe(0);
    expect(restored.out).toContain('Restored 1 extension');
    const after = await storedState(target);
    const again = await vaxel(target.k.prefix, 'restore', '--file', file);
    expect(again.code).toBe(1);
    expect(again.out).toContain('Nothing was restored: The region under the Redis key prefix');
    expect(await storedState(target)).toEqual(after);
  }, 180_000);
});
