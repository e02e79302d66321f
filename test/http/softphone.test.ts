import { beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';

/**
 * Logging in with the console's own phone, at the API (Asterisk out of reach here; the browser
 * test test/browser/softphone.test.ts has the whole path). What is stored stays as it was when
 * a login is refused.
 */

const ctx = useRedis();

let t: Awaited<ReturnType<typeof buildTestApp>>;
let token: string;

beforeEach(async () => {
  t = await buildTestApp(ctx);
  token = await t.tokenFor('operator', undefined, 'Anna');
});

const call = (method: string, path: string, body?: unknown) => t.call(method, path, { auth: token, body });

describe('the browser as the operator’s phone', () => {
  it('refuses "browser" before a browser phone was issued to the token (409 naming body.phone), logging nobody in', async () => {
    const login = await call('POST', '/api/v1/operator/session', { phone: 'browser', municipalities: ['2460'] });
    expect(login.status).toBe(409);
    expect(login.body).toMatchObject({
      error: { code: 'softphone_missing', details: [{ field: 'body.phone' }] },
    });
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it('refuses an endpoint given by hand (400 naming body.phone): it could be another operator’s browser', async () => {
    const login = await call('POST', '/api/v1/operator/session', {
      phone: 'browser:rv-sp-0123456789abcdef01234567',
      municipalities: ['2460'],
    });
    expect(login.status).toBe(400);
    expect(login.body).toMatchObject({ error: { details: [{ field: 'body.phone' }] } });
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it('issues no credentials while Asterisk cannot be reached (503), and stores none', async () => {
    const issued = await call('POST', '/api/v1/operator/softphone');
    expect(issued.status).toBe(503);
    expect(await ctx.redis.keys(`${ctx.k.prefix}:softphone*`)).toEqual([]);
  });
});
