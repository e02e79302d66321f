import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderAsteriskConfig } from '../../src/lab/asterisk-config.js';

const vars = {
  INSTANCE_DIR: '/lab-instances/abc',
  MODULE_DIR: '/usr/lib/x86_64-linux-gnu/asterisk/modules',
  SYSTEM_NAME: 'lab-abc',
  HTTP_BIND: '127.0.0.1',
  HTTP_PORT: '8088',
  ARI_USER: 'regionvaxel',
  ARI_PASSWORD: 'not-a-real-secret',
  SIP_BIND: '127.0.0.1',
  SIP_PORT: '5060',
  TRUNK_MATCH: '127.0.0.1',
  ARI_APP: 'regionvaxel',
  RTP_START: '10000',
  RTP_END: '20000',
};

let outDir: string;
beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'regionvaxel-conf-'));
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('renderAsteriskConfig with the project templates (dialplans/)', () => {
  it('fills in every placeholder', async () => {
    const files = await renderAsteriskConfig({ outDir, vars });
    expect(files).toEqual(
      expect.arrayContaining([
        'asterisk.conf',
        'pjsip.conf',
        'extensions.conf',
        'ari.conf',
        'http.conf',
        'modules.conf',
      ]),
    );
    for (const file of files) expect(await readFile(join(outDir, file), 'utf8')).not.toMatch(/\{\{/);
    expect(await readFile(join(outDir, 'pjsip.conf'), 'utf8')).toMatch(/^bind = 127\.0\.0\.1:5060$/m);
    // The second argument is the SIP edge's X-Reason (empty for a call that did not come through the edge).
    expect(await readFile(join(outDir, 'extensions.conf'), 'utf8')).toContain(
      'Stasis(regionvaxel,${EXTEN},${PJSIP_HEADER(read,X-Reason)})',
    );
  });

  it('lets only the carrier in: no anonymous endpoint, identification by source address', async () => {
    await renderAsteriskConfig({ outDir, vars });
    const pjsip = await readFile(join(outDir, 'pjsip.conf'), 'utf8');
    expect(pjsip).not.toMatch(/^\[anonymous\]/m);
    expect(pjsip).toMatch(/^endpoint_identifier_order = ip$/m);
    expect(pjsip).toMatch(/^match = 127\.0\.0\.1$/m);
  });

  it('refuses a missing value, naming the placeholder', async () => {
    const withoutPassword: Record<string, string> = { ...vars };
    delete withoutPassword.ARI_PASSWORD;
    await expect(renderAsteriskConfig({ outDir, vars: withoutPassword })).rejects.toThrow(
      /ari\.conf: no value for \{\{ARI_PASSWORD\}\}/,
    );
  });

  it('refuses a value that would add lines to a config file', async () => {
    await expect(renderAsteriskConfig({ outDir, vars: { ...vars, ARI_APP: 'x\n[evil]' } })).rejects.toThrow(
      /ARI_APP must be one line/,
    );
  });
});
