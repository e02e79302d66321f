import { beforeEach, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { SIGN_IN_FAILURE_BUDGET } from '../../src/self-service/self-sign-in.js';
import { buildTestApp } from '../support/http-app.js';
import { UMEA, VANNAS } from '../support/municipalities.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();
const setup = localActor('test setup');
let t: Awaited<ReturnType<typeof buildTestApp>>;
let admin: string;
let annaExtensionId: string;

/** Anna Berg of Vännäs, her extension linked to her entry and given the PIN 4711 by IT staff (the API); Bo of Umeå beside her. */
beforeEach(async () => {
  t = await buildTestApp(ctx);
  admin = await t.tokenFor('municipality-admin', VANNAS, 'IT Vännäs');
  for (const [id, givenName, municipalityId] of [
    ['person-anna', 'Anna', VANNAS],
    ['person-bo', 'Bo', UMEA],
  ] as const)
    await t.entries.create({ kind: 'person', id, givenName, familyName: 'Berg', municipalityId }, setup);
  annaExtensionId = (
    await t.admin.extensions.create(
      {
        extension: '2460123',
        displayName: 'Anna Berg',
        municipalityId: VANNAS,
        directoryEntryId: 'person-anna',
        password: 'a good long password',
      },
      setup,
    )
  ).id;
  expect(
    (await t.call('PUT', `/api/v1/extensions/${annaExtensionId}/pin`, { auth: admin, body: { pin: '4711' } })).status,
  ).toBe(204);
});

const signIn = (pin: string, extension = '2460123') =>
  t.call('POST', '/api/v1/self/sign-in', { body: { extension, pin } });

async function stored(): Promise<string> {
  const parts: string[] = [];
  for await (const batch of ctx.redis.scanIterator({ MATCH: `${ctx.k.prefix}:*`, COUNT: 1000 }))
    for (const key of batch) {
      const type = await ctx.redis.type(key);
      if (type === 'string') parts.push(String(await ctx.redis.get(key)));
      if (type === 'stream') parts.push(JSON.stringify(await ctx.redis.xRange(key, '-', '+')));
    }
  return parts.join('\n');
}

describe('signing in on the personal page', () => {
  it('gives a session for the extension’s entry, which sets and clears that entry’s hänvisning, audited with the person as actor', async () => {
    const session = await signIn('4711');
    expect(session.status).toBe(200);
    expect(session.body.entryId).toBe('person-anna');
    const token = session.body.token as string;

    const me = await t.call('GET', '/api/v1/self', { auth: token });
    expect(me.status).toBe(200);
    expect((me.body.entry as { name: string }).name).toBe('Anna Berg');

    const until = '2026-12-07T14:00:00+01:00';
    const set = await t.call('PUT', '/api/v1/self/absence', {
      auth: token,
      body: { reason: 'meeting', text: 'Styrelsemöte', until },
    });
    expect(set.status).toBe(200);
    expect((await t.entries.get('person-anna'))!.absence).toEqual({ reason: 'meeting', text: 'Styrelsemöte', until });

    const audit = await t.call('GET', `/api/v1/audit?municipality=${VANNAS}`, { auth: admin });
    const changes = (audit.body.entries as { actor: { name: string; role: string }; object: { id: string } }[]).filter(
      (e) => e.object.id === 'person-anna',
    );
    expect(changes[0]?.actor).toMatchObject({ name: 'Anna Berg (anknytning 2460123)', role: 'self' });

    expect((await t.call('DELETE', '/api/v1/self/absence', { auth: token })).status).toBe(200);
    expect((await t.entries.get('person-anna'))!.absence).toBeNull();
  });

  it('keeps the PIN only as a salted hash, and its setting is audited without it', async () => {
    const everything = await stored();
    expect(everything).not.toContain('4711');
    expect(everything).toContain('extension-pin');
  });

  it('refuses a wrong PIN, an unknown extension and a removed PIN alike (401), and a malformed one by field (400)', async () => {
    expect((await signIn('4712')).status).toBe(401);
    expect((await signIn('4711', '2460999')).body.error?.code).toBe('wrong_pin');
    const malformed = await signIn('47a1');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.message).toContain('body.pin');
    // An extension with a PIN but no directory entry linked: nobody to set a hänvisning for.
    const unlinked = await t.admin.extensions.create(
      { extension: '2460124', displayName: 'Reception', municipalityId: VANNAS, password: 'a good long password' },
      setup,
    );
    await t.selfService.pins.set({ id: unlinked.id, municipalityId: VANNAS }, '4711', setup);
    expect((await signIn('4711', '2460124')).body.error?.code).toBe('wrong_pin');
    expect((await t.call('DELETE', `/api/v1/extensions/${annaExtensionId}/pin`, { auth: admin })).status).toBe(204);
    expect((await signIn('4711')).status).toBe(401);
  });

  it('locks the extension after too many wrong PINs, even for the right one (429), without locking others', async () => {
    for (let i = 0; i < SIGN_IN_FAILURE_BUDGET.points; i++) expect((await signIn('0000')).status).toBe(401);
    const locked = await signIn('4711');
    expect(locked.status).toBe(429);
    expect(locked.body.error?.code).toBe('too_many_attempts');
    expect((await signIn('4711', '2460124')).status).toBe(401);
  });

  it('counts tries sent at once: no more PINs are checked than the budget allows', async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => signIn('0000')));
    const counted = statuses.map((answer) => answer.status).sort();
    expect(counted.filter((status) => status === 401)).toHaveLength(SIGN_IN_FAILURE_BUDGET.points);
    expect(counted.filter((status) => status === 429)).toHaveLength(20 - SIGN_IN_FAILURE_BUDGET.points);
  });

  it('lets the session do nothing but its own hänvisning (403), and stop at sign-out (401)', async () => {
    const token = (await signIn('4711')).body.token as string;
    expect(
      (await t.call('PUT', '/api/v1/directory/entries/person-bo/absence', { auth: token, body: { reason: 'lunch' } }))
        .status,
    ).toBe(403);
    expect(
      (await t.call('PUT', '/api/v1/directory/entries/person-anna/absence', { auth: token, body: { reason: 'lunch' } }))
        .status,
    ).toBe(403);
    expect((await t.call('GET', '/api/v1/directory/entries/person-anna', { auth: token })).status).toBe(403);
    expect(
      (await t.call('PUT', `/api/v1/extensions/${annaExtensionId}/pin`, { auth: token, body: { pin: '1234' } })).status,
    ).toBe(403);
    expect((await t.call('GET', '/api/v1/tokens', { auth: admin })).body.tokens).toHaveLength(1);
    expect((await t.entries.get('person-bo'))!.absence).toBeNull();

    expect((await t.call('DELETE', '/api/v1/self/session', { auth: token })).status).toBe(204);
    expect((await t.call('GET', '/api/v1/self', { auth: token })).status).toBe(401);
  });

  it('refuses staff tokens on the personal page’s routes (403): they set absences by entry id', async () => {
    expect((await t.call('PUT', '/api/v1/self/absence', { auth: admin, body: { reason: 'lunch' } })).status).toBe(403);
  });

  it('refuses another municipality’s admin setting the PIN (403)', async () => {
    const umeaAdmin = await t.tokenFor('municipality-admin', UMEA);
    expect(
      (await t.call('PUT', `/api/v1/extensions/${annaExtensionId}/pin`, { auth: umeaAdmin, body: { pin: '1234' } }))
        .status,
    ).toBe(403);
  });
});

describe('the PIN’s lifecycle', () => {
  const pinKey = () => ctx.k.extensionPin(annaExtensionId);
  const changePin = (token: string, body: Record<string, unknown>) =>
    t.call('PUT', '/api/v1/self/pin', { auth: token, body });

  it('goes with its extension when that is deleted, in the same change; a refused delete keeps it', async () => {
    expect(await ctx.redis.exists(pinKey())).toBe(1);
    const stale = await t.call('DELETE', `/api/v1/extensions/${annaExtensionId}`, {
      auth: admin,
      headers: { 'if-match': '"7"' },
    });
    expect(stale.status).toBe(412);
    expect(await ctx.redis.exists(pinKey())).toBe(1);
    const deleted = await t.call('DELETE', `/api/v1/extensions/${annaExtensionId}`, {
      auth: admin,
      headers: { 'if-match': '"1"' },
    });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    expect(await ctx.redis.exists(pinKey())).toBe(0);
    // A new extension under the old number starts without a PIN.
    await t.admin.extensions.create(
      { extension: '2460123', displayName: 'Anna Berg', municipalityId: VANNAS, password: 'a good long password' },
      setup,
    );
    expect((await signIn('4711')).body.error?.code).toBe('wrong_pin');
  });

  it('goes with its extension when a replace-mode import removes that', async () => {
    const imported = await t.app.request(`/api/v1/extensions/import?municipality=${VANNAS}&mode=replace`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' },
      body: 'extension;displayName;password\n2460125;Reception;a good long password',
    });
    expect(await imported.json()).toMatchObject({ created: 1, deleted: 1 });
    expect(await ctx.redis.exists(pinKey())).toBe(0);
  });

  it('stays with its extension when that is renumbered (keyed by the extension’s id)', async () => {
    const renumbered = await t.call('PATCH', `/api/v1/extensions/${annaExtensionId}`, {
      auth: admin,
      body: { extension: '2460124', password: 'another long password' },
      headers: { 'if-match': '"1"' },
    });
    expect(renumbered.status, JSON.stringify(renumbered.body)).toBe(200);
    expect((await signIn('4711', '2460124')).status).toBe(200);
    expect((await signIn('4711', '2460123')).status).toBe(401);
  });

  it('is changed by its person with the current PIN: the next sign-in takes the new one, audited as changed by the person', async () => {
    const token = (await signIn('4711')).body.token as string;
    expect((await changePin(token, { currentPin: '4711', newPin: '5830' })).status).toBe(204);
    expect((await signIn('4711')).status).toBe(401);
    expect((await signIn('5830')).status).toBe(200);

    const audit = await t.call('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=extension-pin`, { auth: admin });
    const [latest] = audit.body.entries as { action: string; after: unknown; actor: { name: string; role: string } }[];
    expect(latest).toMatchObject({
      action: 'update',
      after: { pin: 'changed' },
      actor: { name: 'Anna Berg (anknytning 2460123)', role: 'self' },
    });
    expect(JSON.stringify(audit.body)).not.toContain('5830');
  });

  it('refuses PINs that are guessed first, the same PIN, and malformed ones, naming the field (400); nothing changes', async () => {
    const token = (await signIn('4711')).body.token as string;
    for (const [newPin, problem] of [
      ['7777', 'must not be one digit repeated'],
      ['1234', 'must not be a run of digits such as 1234 or 4321'],
      ['987654', 'must not be a run of digits such as 1234 or 4321'],
      ['4711', 'must differ from the current PIN'],
      ['47a1', 'must be 4 to 12 digits'],
      ['123', 'must be 4 to 12 digits'],
    ]) {
      const refused = await changePin(token, { currentPin: '4711', newPin });
      expect(refused.status, newPin).toBe(400);
      expect(refused.body.error?.details, newPin).toContainEqual(
        expect.objectContaining({ field: 'body.newPin', problem }),
      );
    }
    expect((await changePin(token, { currentPin: '4711' })).body.error?.details).toContainEqual(
      expect.objectContaining({ field: 'body.newPin' }),
    );
    expect((await signIn('4711')).status).toBe(200);
  });

  it('counts a wrong current PIN against the extension as a wrong sign-in: locked after the budget (429)', async () => {
    const token = (await signIn('4711')).body.token as string;
    for (let i = 0; i < SIGN_IN_FAILURE_BUDGET.points; i++) {
      const wrong = await changePin(token, { currentPin: '0000', newPin: '5830' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toMatchObject({ code: 'wrong_pin', details: [{ field: 'body.currentPin' }] });
    }
    const locked = await changePin(token, { currentPin: '4711', newPin: '5830' });
    expect(locked.status).toBe(429);
    // The same limiter: signing in is locked too, and the PIN is unchanged.
    expect((await signIn('4711')).status).toBe(429);
    expect(await t.selfService.pins.matches(annaExtensionId, '4711')).toBe(true);
  });

  it('is refused to a session whose extension has been linked to someone else since (403)', async () => {
    const token = (await signIn('4711')).body.token as string;
    const relinked = await t.call('PATCH', `/api/v1/extensions/${annaExtensionId}`, {
      auth: admin,
      body: { directoryEntryId: null },
      headers: { 'if-match': '"1"' },
    });
    expect(relinked.status, JSON.stringify(relinked.body)).toBe(200);
    expect((await changePin(token, { currentPin: '4711', newPin: '5830' })).status).toBe(403);
    expect(await t.selfService.pins.matches(annaExtensionId, '4711')).toBe(true);
  });
});
