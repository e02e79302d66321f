import { beforeEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { adminApp, snapshot, UMEA, VANNAS } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const BJURHOLM = '2403';
const eva = { name: 'Eva Telefonist', municipalityId: BJURHOLM, phone: 'sip:eva@10.0.0.21:5060', municipalities: [{ id: VANNAS, weight: 2 }, { id: UMEA, weight: 1 }] };

describe('operator accounts', () => {
  it('keeps an operator’s default phone and municipalities with weights, administered by their employer', async () => {
    const created = await app.send('POST', '/api/v1/operator-accounts', { body: eva });
    expect(created).toMatchObject({ status: 201, body: { ...eva, version: 1 } });
    const bjurholmAdmin = await app.t.tokenFor('municipality-admin', BJURHOLM);
    const vannasAdmin = await app.t.tokenFor('municipality-admin', VANNAS);
    const changed = await app.send('PATCH', `/api/v1/operator-accounts/${created.body.id}`, { body: { phone: null }, ifMatch: '"1"', auth: bjurholmAdmin });
    expect(changed.body).not.toHaveProperty('phone');
    expect((await app.send('GET', `/api/v1/operator-accounts/${created.body.id}`, { auth: vannasAdmin })).status).toBe(403);
    expect((await app.send('GET', '/api/v1/operator-accounts')).body.operatorAccounts).toHaveLength(1);
  });

  it('names each bad field, and links a token to one account only', async () => {
    const bad = await app.send('POST', '/api/v1/operator-accounts', { body: { ...eva, phone: 'eva', municipalities: [{ id: '0114', weight: 20 }, { id: '0114', weight: 1 }] } });
    expect(bad.body.error!.details!.map((d) => d.field).sort()).toEqual(['body.municipalities', 'body.municipalities[0].weight', 'body.phone']);

    const token = (await app.t.tokens.create({ name: 'Eva', role: 'operator' }, { id: 'x', name: 'x', role: 'region-admin' })).record.id;
    expect((await app.send('POST', '/api/v1/operator-accounts', { body: { ...eva, tokenId: token } })).status).toBe(201);
    const before = await snapshot(ctx);
    const twice = await app.send('POST', '/api/v1/operator-accounts', { body: { ...eva, name: 'Eva igen', tokenId: token } });
    expect(twice).toMatchObject({ status: 409, body: { error: { code: 'claim_taken', details: [{ field: 'body.tokenId' }] } } });
    expect(await snapshot(ctx)).toEqual(before);
  });
});

describe('logging in with an operator account', () => {
  it('takes the phone and weighted municipalities the account linked to the token has, unless login names them', async () => {
    const token = await app.t.tokens.create({ name: 'Eva', role: 'operator' }, { id: 'x', name: 'x', role: 'region-admin' });
    const withoutAccount = await app.send('POST', '/api/v1/operator/session', { body: {}, auth: token.token });
    expect(withoutAccount.body.error!.details).toEqual([
      { field: 'body.phone', problem: 'is required: no operator account is linked to this token' },
      { field: 'body.municipalities', problem: 'is required: no operator account is linked to this token' },
    ]);

    await app.send('POST', '/api/v1/operator-accounts', { body: { ...eva, tokenId: token.record.id } });
    const session = await app.send('POST', '/api/v1/operator/session', { body: {}, auth: token.token });
    expect(session).toMatchObject({ status: 201, body: { phone: eva.phone, served: eva.municipalities } });
    await app.send('DELETE', '/api/v1/operator/session', { auth: token.token });

    const elsewhere = await app.send('POST', '/api/v1/operator/session', { body: { phone: 'sip:eva@10.0.0.99:5060' }, auth: token.token });
    expect(elsewhere.body).toMatchObject({ phone: 'sip:eva@10.0.0.99:5060', served: eva.municipalities });
  });
});
