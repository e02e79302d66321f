import { describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

const ctx = useRedis();

type Message = {
  id: string;
  entryId: string;
  recipientName: string;
  municipalityId: string;
  text: string;
  callerNumber?: string;
  handledAt?: string;
  handledBy?: string;
};

async function setup() {
  const t = await buildTestApp(ctx);
  const anna = await t.entries.create(
    { municipalityId: VANNAS, kind: 'person', givenName: 'Anna', familyName: 'Berg', extension: '2460200' },
    localActor('test setup'),
  );
  const bo = await t.entries.create(
    { municipalityId: UMEA, kind: 'person', givenName: 'Bo', familyName: 'Ek' },
    localActor('test setup'),
  );
  const operator = await t.tokenFor('operator');
  return { t, anna, bo, operator };
}

describe('messages for absent people (HTTP on a real Redis)', () => {
  it('are taken for an entry or an extension, listed per person and per municipality, newest first, and marked handled', async () => {
    const { t, anna, bo, operator } = await setup();
    const first = await t.call('POST', '/api/v1/messages', {
      auth: operator,
      body: {
        entryId: anna.id,
        callerName: 'Karin',
        callerNumber: '070-123 45 67',
        text: 'Ring tillbaka om bygglovet',
        callId: 'c1',
      },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      entryId: anna.id,
      recipientName: 'Anna Berg',
      municipalityId: VANNAS,
      callerNumber: '+46701234567',
      extension: '2460200',
    });
    const second = await t.call('POST', '/api/v1/messages', {
      auth: operator,
      body: { extension: '2460200', text: 'Andra meddelandet' },
    });
    expect(second.body).toMatchObject({ entryId: anna.id });
    await t.call('POST', '/api/v1/messages', { auth: operator, body: { entryId: bo.id, text: 'Till Bo' } });

    const forAnna = await t.call('GET', `/api/v1/messages?extension=2460200`, { auth: operator });
    expect((forAnna.body.messages as Message[]).map((m) => m.text)).toEqual([
      'Andra meddelandet',
      'Ring tillbaka om bygglovet',
    ]);
    const inUmea = await t.call('GET', `/api/v1/messages?municipality=${UMEA}`, { auth: operator });
    expect((inUmea.body.messages as Message[]).map((m) => m.text)).toEqual(['Till Bo']);

    const handled = await t.call('POST', `/api/v1/messages/${(first.body as Message).id}/handled`, { auth: operator });
    expect(handled.status).toBe(200);
    expect(handled.body.handledAt).toBeDefined();
    const open = await t.call('GET', `/api/v1/messages?entryId=${anna.id}&handled=false`, { auth: operator });
    expect((open.body.messages as Message[]).map((m) => m.text)).toEqual(['Andra meddelandet']);
  });

  it('list the newest unhandled ones of a long history, past the first pages of handled ones, up to the limit', async () => {
    const { t, anna, operator } = await setup();
    const take = (text: string) =>
      t.call('POST', '/api/v1/messages', { auth: operator, body: { entryId: anna.id, text } });
    // 130 open ones, then 250 handled on top: the open ones start beyond two pages of the index.
    for (let i = 0; i < 130; i++) expect((await take(`öppet ${i}`)).status).toBe(201);
    for (let i = 0; i < 250; i++) {
      const { body } = await take(`hanterat ${i}`);
      await t.call('POST', `/api/v1/messages/${(body as Message).id}/handled`, { auth: operator });
    }
    const open = await t.call('GET', `/api/v1/messages?municipality=${VANNAS}&handled=false&limit=120`, {
      auth: operator,
    });
    const texts = (open.body.messages as Message[]).map((m) => m.text);
    expect(texts).toEqual(Array.from({ length: 120 }, (_, i) => `öppet ${129 - i}`));
    const handled = await t.call('GET', `/api/v1/messages?entryId=${anna.id}&handled=true&limit=3`, { auth: operator });
    expect((handled.body.messages as Message[]).map((m) => m.text)).toEqual([
      'hanterat 249',
      'hanterat 248',
      'hanterat 247',
    ]);
  });

  it('name the bad field, 404 an unknown person or message, and need a role that handles calls', async () => {
    const { t, operator } = await setup();
    const both = await t.call('POST', '/api/v1/messages', {
      auth: operator,
      body: { entryId: 'x', extension: '2460200', text: 'x' },
    });
    expect(both.status).toBe(400);
    expect(both.body.error?.message).toMatch(/body\.entryId/);
    const empty = await t.call('POST', '/api/v1/messages', {
      auth: operator,
      body: { extension: '2460200', text: ' ' },
    });
    expect(empty.body.error?.message).toMatch(/body\.text/);
    expect(
      (await t.call('POST', '/api/v1/messages', { auth: operator, body: { extension: '999999', text: 'x' } })).status,
    ).toBe(404);
    expect((await t.call('POST', '/api/v1/messages/nope/handled', { auth: operator })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/messages', { auth: operator })).body.error?.message).toMatch(
      /query\.municipality/,
    );
    const admin = await t.tokenFor('municipality-admin', VANNAS);
    expect(
      (await t.call('POST', '/api/v1/messages', { auth: admin, body: { extension: '2460200', text: 'x' } })).status,
    ).toBe(403);
  });
});
