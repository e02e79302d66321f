import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-region.js';
import { readEnv, smsGatewaySettings, smtpSettings } from '../../src/config/env.js';

describe('CALL_RECORD_RETENTION_DAYS', () => {
  it('is 400 days unless set, and never less than a month (a whole month’s cost split)', () => {
    expect(readEnv({}).CALL_RECORD_RETENTION_DAYS).toBe(400);
    expect(readEnv({ CALL_RECORD_RETENTION_DAYS: '31' }).CALL_RECORD_RETENTION_DAYS).toBe(31);
    for (const refused of ['30', '400.5', 'forever']) {
      expect(() => readEnv({ CALL_RECORD_RETENTION_DAYS: refused }), refused).toThrow(/CALL_RECORD_RETENTION_DAYS/);
    }
  });
});

describe('MESSAGE_RETENTION_DAYS', () => {
  it('is 90 days unless set, at least a day', () => {
    expect(readEnv({}).MESSAGE_RETENTION_DAYS).toBe(90);
    expect(readEnv({ MESSAGE_RETENTION_DAYS: '30' }).MESSAGE_RETENTION_DAYS).toBe(30);
    for (const refused of ['0', '7.5', 'never'])
      expect(() => readEnv({ MESSAGE_RETENTION_DAYS: refused }), refused).toThrow(/MESSAGE_RETENTION_DAYS/);
  });
});

describe('SMTP_*', () => {
  it('is off without SMTP_HOST (or with it empty), STARTTLS on 587 by default, and names what is wrong', () => {
    expect(smtpSettings(readEnv({}))).toBeUndefined();
    // As docker-compose.yml passes them when none is given.
    expect(
      smtpSettings(
        readEnv({
          SMTP_HOST: '',
          SMTP_PORT: '587',
          SMTP_TLS: 'starttls',
          SMTP_USER: '',
          SMTP_PASSWORD: '',
          SMTP_FROM: '',
        }),
      ),
    ).toBeUndefined();
    expect(
      smtpSettings(readEnv({ SMTP_HOST: 'smtp.umea.example', SMTP_FROM: 'Växeln <vaxeln@umea.example>' })),
    ).toEqual({
      host: 'smtp.umea.example',
      port: 587,
      tls: 'starttls',
      auth: undefined,
      from: 'Växeln <vaxeln@umea.example>',
    });
    const withLogin = readEnv({
      SMTP_HOST: 'smtp.umea.example',
      SMTP_PORT: '465',
      SMTP_TLS: 'implicit',
      SMTP_USER: 'vaxeln',
      SMTP_PASSWORD: 'hemligt',
      SMTP_FROM: 'vaxeln@umea.example',
    });
    expect(smtpSettings(withLogin)).toMatchObject({
      port: 465,
      tls: 'implicit',
      auth: { user: 'vaxeln', password: 'hemligt' },
    });
    expect(() => readEnv({ SMTP_HOST: 'smtp.umea.example' })).toThrow(/SMTP_FROM/);
    expect(() => readEnv({ SMTP_HOST: 'smtp.umea.example', SMTP_FROM: 'vaxeln' })).toThrow(/SMTP_FROM/);
    expect(() => readEnv({ SMTP_TLS: 'maybe' })).toThrow(/SMTP_TLS/);
    expect(() => readEnv({ SMTP_USER: 'vaxeln' })).toThrow(/SMTP_USER/);
    expect(() => readEnv({ SMTP_PORT: '0' })).toThrow(/SMTP_PORT/);
  });
});

describe('SMS_*', () => {
  const BODY = '{"to":"{{to}}","message":"{{text}}"}';
  /** The problems readEnv names (ConfigError's lines), so a test can look at all of them. */
  function problems(env: Record<string, string>): string {
    try {
      readEnv(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    return '';
  }

  it('is off without SMS_GATEWAY_URL (or with it empty); with it, the body template and the rest as given', () => {
    expect(smsGatewaySettings(readEnv({}))).toBeUndefined();
    expect(smsGatewaySettings(readEnv({ SMS_GATEWAY_URL: '', SMS_GATEWAY_BODY: '', SMS_FROM: '' }))).toBeUndefined();
    expect(
      smsGatewaySettings(
        readEnv({
          SMS_GATEWAY_URL: 'https://sms.example.se/api/send',
          SMS_GATEWAY_BODY: '{"to":"{{to}}","text":"{{text}}","from":"{{from}}"}',
          SMS_GATEWAY_AUTHORIZATION: 'Bearer abc',
          SMS_FROM: 'Vaxeln Umea',
        }),
      ),
    ).toEqual({
      url: 'https://sms.example.se/api/send',
      bodyTemplate: '{"to":"{{to}}","text":"{{text}}","from":"{{from}}"}',
      authorization: 'Bearer abc',
      from: 'Vaxeln Umea',
    });
  });

  it('takes https anywhere, plain http only to an address on loopback or a private network', () => {
    for (const url of [
      'https://sms.example.se/send',
      'http://127.0.0.1:8099/send',
      'http://10.1.2.3/send',
      'http://172.20.0.5:8080/',
      'http://192.168.1.10/',
      'http://[::1]:8099/',
      'http://[fd00::5]/',
    ])
      expect(smsGatewaySettings(readEnv({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: BODY }))?.url, url).toBe(url);
    for (const url of [
      'http://sms.example.se/send',
      'http://8.8.8.8/send',
      'http://172.32.0.1/',
      'ftp://10.0.0.1/',
      'sms',
    ])
      expect(problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: BODY }), url).toMatch(/SMS_GATEWAY_URL: must be/);
  });

  it('checks the body template at start: JSON, {{to}} and {{text}} inside strings, no unknown placeholder, SMS_FROM for {{from}}', () => {
    const url = 'https://sms.example.se/send';
    expect(problems({ SMS_GATEWAY_URL: url })).toMatch(/SMS_GATEWAY_BODY: is needed when SMS_GATEWAY_URL is set/);
    expect(problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: '{"message":"{{text}}"}' })).toMatch(
      /SMS_GATEWAY_BODY: must contain \{\{to\}\}/,
    );
    expect(problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: '{"to":"{{to}}"}' })).toMatch(
      /must contain \{\{text\}\}/,
    );
    expect(problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: '{"to":{{to}},"m":"{{text}}"}' })).toMatch(
      /SMS_GATEWAY_BODY: must be JSON with each placeholder inside a string/,
    );
    expect(problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: 'to={{to}}&m={{text}}' })).toMatch(/must be JSON/);
    expect(
      problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: '{"to":"{{to}}","m":"{{text}}","k":"{{apiKey}}"}' }),
    ).toMatch(/unknown placeholder \{\{apiKey\}\}/);
    expect(
      problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: '{"to":"{{to}}","m":"{{text}}","f":"{{from}}"}' }),
    ).toMatch(/SMS_FROM: is needed when SMS_GATEWAY_BODY has \{\{from\}\}/);
    for (const from of ['Växeln', 'Regionvaxeln', '12345', ''.padEnd(3, ' ')])
      expect(problems({ SMS_GATEWAY_URL: url, SMS_GATEWAY_BODY: BODY, SMS_FROM: from }), from).toMatch(/SMS_FROM/);
  });

  it('never shows the Authorization secret in an error', () => {
    const secret = 'Bearer hemlig-nyckel\nX-Injected: 1';
    const message = problems({
      SMS_GATEWAY_URL: 'https://sms.example.se/',
      SMS_GATEWAY_BODY: BODY,
      SMS_GATEWAY_AUTHORIZATION: secret,
    });
    expect(message).toMatch(/SMS_GATEWAY_AUTHORIZATION: must be one line/);
    expect(message).not.toContain('hemlig');
  });
});

describe('OPERATOR_PHONE_NETWORKS', () => {
  it('is none unless set (operators then give extensions), and each entry must be an address or a CIDR network', () => {
    expect(readEnv({}).OPERATOR_PHONE_NETWORKS).toEqual([]);
    expect(readEnv({ OPERATOR_PHONE_NETWORKS: '10.24.0.0/16, 192.168.5.7' }).OPERATOR_PHONE_NETWORKS).toEqual([
      '10.24.0.0/16',
      '192.168.5.7',
    ]);
    expect(() => readEnv({ OPERATOR_PHONE_NETWORKS: '10.24.0.0/16,phones.example' })).toThrow(
      /OPERATOR_PHONE_NETWORKS.*IP address or a CIDR/s,
    );
  });
});

describe('Redis through Sentinel and media-node liveness', () => {
  it('takes sentinels as host:port, the master’s name (default regionvaxel), and refuses them beside REDIS_URL', () => {
    const env = readEnv({
      REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379,sentinel-3.example:26379',
      REDIS_SENTINEL_MASTER: 'vaxel-main',
    });
    expect(env).toMatchObject({
      REDIS_SENTINELS: ['10.0.0.1:26379', '10.0.0.2:26379', 'sentinel-3.example:26379'],
      REDIS_SENTINEL_MASTER: 'vaxel-main',
    });
    expect(env.REDIS_URL).toBeUndefined();
    expect(readEnv({}).REDIS_SENTINEL_MASTER).toBe('regionvaxel');
    expect(() => readEnv({ REDIS_SENTINELS: '10.0.0.1' })).toThrow(/REDIS_SENTINELS.*host:port/s);
    expect(() => readEnv({ REDIS_URL: 'redis://10.0.0.1:6379', REDIS_SENTINELS: '10.0.0.1:26379' })).toThrow(
      /REDIS_SENTINELS.*not both/s,
    );
    // Empty is unset, as docker-compose.yml's `ha` profile passes it.
    expect(readEnv({ REDIS_URL: '', REDIS_SENTINELS: '10.0.0.1:26379' }).REDIS_URL).toBeUndefined();
  });

  it('waits for replicas only as told (0–5), and judges a media node dead after 30 s unless told otherwise (5–3600 s)', () => {
    expect(readEnv({}).REDIS_ACK_REPLICAS).toBeUndefined();
    expect(readEnv({ REDIS_ACK_REPLICAS: '2' }).REDIS_ACK_REPLICAS).toBe(2);
    expect(() => readEnv({ REDIS_ACK_REPLICAS: '6' })).toThrow(/REDIS_ACK_REPLICAS/);
    expect(readEnv({}).MEDIA_NODE_DEAD_SECONDS).toBe(30);
    expect(readEnv({ MEDIA_NODE_DEAD_SECONDS: '10' }).MEDIA_NODE_DEAD_SECONDS).toBe(10);
    for (const refused of ['4', '3601', 'soon'])
      expect(() => readEnv({ MEDIA_NODE_DEAD_SECONDS: refused }), refused).toThrow(/MEDIA_NODE_DEAD_SECONDS/);
  });
});

describe('METRICS_TOKEN_SHA256', () => {
  it('is none unless set (empty too), else a SHA-256 in hex, kept in lower case; a token itself is refused naming the variable', () => {
    expect(readEnv({}).METRICS_TOKEN_SHA256).toBeUndefined();
    expect(readEnv({ METRICS_TOKEN_SHA256: '' }).METRICS_TOKEN_SHA256).toBeUndefined();
    expect(readEnv({ METRICS_TOKEN_SHA256: 'AB'.repeat(32) }).METRICS_TOKEN_SHA256).toBe('ab'.repeat(32));
    for (const refused of ['my-scrape-token', 'ab'.repeat(31), 'g'.repeat(64)])
      expect(() => readEnv({ METRICS_TOKEN_SHA256: refused }), refused).toThrow(
        /METRICS_TOKEN_SHA256: must be the SHA-256/,
      );
  });
});
