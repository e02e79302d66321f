import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_DTLS_CERT_FILE } from '../media/softphone/softphone-credentials.js';
import { runTool } from '../run-tool.js';

/** Days the lab's certificate is valid; a new lab (or a removed file) gets a new one. */
const VALID_DAYS = 3650;

/**
 * The certificate (with its key) the lab's Asterisk does DTLS-SRTP with towards the console's
 * browser phones. Browsers check only its fingerprint, which the SDP carries, so a self-signed
 * one does: made once per lab, never committed.
 *
 * Makes the lab's DTLS certificate with the host's openssl unless it is there: at provisioning
 * and at every Asterisk start, so an existing lab (CI reuses .lab) that lacks it gets it.
 * Written aside and renamed into place: instances starting at once never read half a file.
 */
export async function ensureDtlsCertificate(rootDir: string): Promise<void> {
  const file = join(rootDir, DEFAULT_DTLS_CERT_FILE);
  if ((await readFile(file, 'utf8').catch(() => '')).includes('PRIVATE KEY')) return;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const key = `${temporary}.key`;
  const cert = `${temporary}.crt`;
  try {
    await runTool('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      String(VALID_DAYS),
      '-subj',
      '/CN=regionvaxeln-lab-asterisk',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    const pem = (await readFile(cert, 'utf8')) + (await readFile(key, 'utf8'));
    await writeFile(temporary, pem, { mode: 0o600 });
    await rename(temporary, file);
  } finally {
    await Promise.all([key, cert, temporary].map((path) => rm(path, { force: true })));
  }
}
