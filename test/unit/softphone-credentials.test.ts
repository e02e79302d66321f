import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DTLS_CERT_FILE,
  SOFTPHONE_LIFETIME_MS,
  SoftphoneCredentialsSchema,
  SoftphoneNameSchema,
  newSoftphoneName,
  newSoftphonePassword,
  softphoneExpiry,
  softphoneObjects,
  softphoneSipUri,
} from '../../src/media/softphone/softphone-credentials.js';
import { OperatorPhoneSchema, createOperatorPhones, parseOperatorPhone } from '../../src/operators/operator-phone.js';

const settings = { wsUrl: 'wss://vaxel.example.se/ws', dtlsCertFile: DEFAULT_DTLS_CERT_FILE };

describe('browser phone credentials', () => {
  it('names each browser phone at random, recognisably, and gives it a long random password', () => {
    const names = new Set(Array.from({ length: 50 }, newSoftphoneName));
    expect(names.size).toBe(50);
    for (const name of names) expect(SoftphoneNameSchema.safeParse(name).success).toBe(true);
    const password = newSoftphonePassword();
    expect(password).toMatch(/^[\w-]{32}$/);
    expect(newSoftphonePassword()).not.toBe(password);
  });

  it('refuses a name that is not a browser phone’s (the ring path dials it as PJSIP/<name>)', () => {
    for (const name of ['carrier', 'rv-sp-', 'rv-sp-0123456789abcdef0123456/x', 'rv-sp-0123456789ABCDEF01234567'])
      expect(SoftphoneNameSchema.safeParse(name).success).toBe(false);
  });

  it('makes auth, aor and endpoint in that order: WebRTC media, one contact, no call out of its context', () => {
    const name = newSoftphoneName();
    const [auth, aor, endpoint] = softphoneObjects(name, 'secret-password', settings);
    expect(auth).toEqual({
      objectType: 'auth',
      fields: { auth_type: 'userpass', username: name, password: 'secret-password' },
    });
    expect(aor).toEqual({ objectType: 'aor', fields: { max_contacts: '1', remove_existing: 'yes' } });
    expect(endpoint.objectType).toBe('endpoint');
    expect(endpoint.fields).toMatchObject({
      webrtc: 'yes',
      dtls_cert_file: DEFAULT_DTLS_CERT_FILE,
      identify_by: 'username',
      context: 'operator-phones',
      allow: 'opus,ulaw,alaw',
      aors: name,
      auth: name,
      direct_media: 'no',
      rewrite_contact: 'yes',
    });
  });

  it('gives the SIP URI at the WebSocket’s host, and an expiry SOFTPHONE_LIFETIME_MS on', () => {
    expect(softphoneSipUri('rv-sp-0123456789abcdef01234567', 'wss://vaxel.example.se:8443/ws')).toBe(
      'sip:rv-sp-0123456789abcdef01234567@vaxel.example.se',
    );
    expect(softphoneExpiry(1_000)).toBe(1_000 + SOFTPHONE_LIFETIME_MS);
  });

  it('describes what the console gets, and refuses a wrong shape naming the field', () => {
    const good = {
      wsUrl: 'ws://127.0.0.1:8088/ws',
      sipUri: 'sip:rv-sp-0123456789abcdef01234567@127.0.0.1',
      username: 'rv-sp-0123456789abcdef01234567',
      password: 'x',
      expiresAt: '2026-12-05T14:00:00.000Z',
    };
    expect(SoftphoneCredentialsSchema.parse(good)).toEqual(good);
    const bad = SoftphoneCredentialsSchema.safeParse({ ...good, username: 'carrier', expiresAt: 'tomorrow' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['expiresAt', 'username']);
  });
});

describe('the browser as an operator phone', () => {
  const phones = createOperatorPhones({
    networks: ['127.0.0.0/8'],
    region: { municipalities: [] },
    contacts: { contacts: async () => [] },
  });

  it('takes "browser" at login, and the endpoint login put in the session', () => {
    expect(parseOperatorPhone('browser')).toEqual({ kind: 'browser' });
    expect(parseOperatorPhone('browser:rv-sp-0123456789abcdef01234567')).toEqual({
      kind: 'browser',
      endpoint: 'rv-sp-0123456789abcdef01234567',
    });
    expect(parseOperatorPhone('browser:carrier')).toHaveProperty('problem');
    expect(OperatorPhoneSchema.safeParse('browser').success).toBe(true);
    expect(phones.problem('browser')).toBeUndefined();
  });

  it('refuses an endpoint given by hand: nobody rings another operator’s browser', () => {
    const given = OperatorPhoneSchema.safeParse('browser:rv-sp-0123456789abcdef01234567');
    expect(given.success).toBe(false);
    expect(given.error?.issues[0]?.message).toMatch(/browser alone/);
  });

  it('dials a browser phone by its endpoint, any other phone through the operators’ endpoint', async () => {
    await expect(phones.dialString('browser:rv-sp-0123456789abcdef01234567', 'operator-phones')).resolves.toBe(
      'PJSIP/rv-sp-0123456789abcdef01234567',
    );
    await expect(phones.dialString('sip:anna@127.0.0.1:5070', 'operator-phones')).resolves.toBe(
      'PJSIP/operator-phones/sip:anna@127.0.0.1:5070',
    );
    await expect(phones.dialString('browser', 'operator-phones')).rejects.toMatchObject({
      status: 409,
      code: 'phone_not_registered',
    });
  });
});
