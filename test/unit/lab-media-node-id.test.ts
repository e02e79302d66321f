import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { labMediaNodeId } from '../../src/lab/lab.js';

it('gives the lab one media node id for good: made at the first start, kept in the lab dir, the same at every start after', async () => {
  const labDir = await mkdtemp(join(tmpdir(), 'rv-lab-node-'));
  try {
    const first = await labMediaNodeId(labDir);
    expect(first).toMatch(/^lab-[0-9a-f]{8}$/);
    expect(await labMediaNodeId(labDir)).toBe(first);
    expect((await readFile(join(labDir, 'media-node-id'), 'utf8')).trim()).toBe(first);
    // Another lab (another dir) is another node.
    const other = await mkdtemp(join(tmpdir(), 'rv-lab-node-'));
    expect(await labMediaNodeId(other)).not.toBe(first);
    await rm(other, { recursive: true, force: true });
  } finally {
    await rm(labDir, { recursive: true, force: true });
  }
});
