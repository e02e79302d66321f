import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDtlsCertificate } from '../../src/lab/dtls-certificate.js';
import { DEFAULT_DTLS_CERT_FILE } from '../../src/media/softphone/softphone-credentials.js';

/** The lab's DTLS certificate for the browser phones, made with the host's openssl in a root of its own. */
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'regionvaxel-dtls-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the lab’s DTLS certificate', () => {
  it('is made once, self-signed, with its key in the same file, readable by its owner only', async () => {
    await ensureDtlsCertificate(root);
    const file = join(root, DEFAULT_DTLS_CERT_FILE);
    const pem = await readFile(file, 'utf8');
    const certificate = new X509Certificate(pem);
    expect(certificate.subject).toContain('CN=regionvaxeln-lab-asterisk');
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(pem))).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // An existing lab keeps its certificate: a second provisioning or start changes nothing.
    await ensureDtlsCertificate(root);
    expect(await readFile(file, 'utf8')).toBe(pem);
  });
});
