import { localActor } from '../../src/auth/token-store.js';
import { buildTestApp } from '../support/http-app.js';
import type { RedisTestContext } from '../support/redis.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

export { UMEA, VANNAS };
export const PASSWORD = 'correct horse battery staple';
export const setupActor = localActor('test setup');

/** Every key of the test's prefix with its content, to prove that a refused change changed nothing. */
export { storedState as snapshot } from '../support/stored-state.js';

/** The test app with a region admin's token, and `send` as that admin unless told otherwise. */
export async function adminApp(ctx: RedisTestContext) {
  const t = await buildTestApp(ctx);
  const admin = await t.tokenFor('region-admin', undefined, 'Region Admin');
  const send = (method: string, path: string, options: { body?: unknown; auth?: string; ifMatch?: string } = {}) =>
    t.call(method, path, {
      auth: options.auth ?? admin,
      body: options.body,
      headers: options.ifMatch === undefined ? {} : { 'if-match': options.ifMatch },
    });
  return { t, admin, send };
}

/** The n-th valid object of each resource, in Vännäs or Umeå, and a valid change to it. */
export const resources = [
  {
    plural: 'extensions',
    type: 'extension',
    body: (n: number, municipalityId = VANNAS) => ({
      extension: String(Number(municipalityId) * 1000 + 100 + n),
      displayName: `Person ${n}`,
      municipalityId,
      password: PASSWORD,
    }),
    change: { displayName: 'Changed Name' },
  },
  {
    plural: 'numbers',
    type: 'number',
    body: (n: number, municipalityId = VANNAS) => ({
      number:
        municipalityId === VANNAS
          ? `0935-14${String(200 + n)}`
          : `090-16 ${String(2000 + n).slice(0, 2)} ${String(2000 + n).slice(2)}`,
      municipalityId,
      target: { kind: 'queue' },
    }),
    change: { target: { kind: 'external', number: '070-123 45 67' } },
  },
] as const;
