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

  it('lets only the carrier in: no anonymous endpoint, its endpoints identified by source address only', async () => {
    await renderAsteriskConfig({ outDir, vars });
    const pjsip = await readFile(join(outDir, 'pjsip.conf'), 'utf8');
    expect(pjsip).not.toMatch(/^\[anonymous\]/m);
    // By user name first for the browser phones (made through ARI, each with its password) …
    expect(pjsip).toMatch(/^endpoint_identifier_order = username,ip$/m);
    // … but every endpoint of the file by address only: a From user "carrier" finds nothing.
    const endpoints = pjsip.split(/^(?=\[)/m).filter((section) => /^type = endpoint$/m.test(section));
    expect(endpoints.length).toBeGreaterThan(1);
    for (const endpoint of endpoints) expect(endpoint).toMatch(/^identify_by = ip$/m);
    expect(pjsip).toMatch(/^match = 127\.0\.0\.1$/m);
  });

  it('keeps the browser phones’ endpoints, aors and auths in memory beside the config file', async () => {
    await renderAsteriskConfig({ outDir, vars });
    const sorcery = await readFile(join(outDir, 'sorcery.conf'), 'utf8');
    for (const type of ['endpoint', 'aor', 'auth']) {
      expect(sorcery).toMatch(new RegExp(`^${type} = config,pjsip\\.conf,criteria=type=${type}$`, 'm'));
      expect(sorcery).toMatch(new RegExp(`^${type} = memory$`, 'm'));
    }
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
