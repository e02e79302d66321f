import { describe, expect, it, vi } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createMessageDelivery } from '../../src/calls/messages/message-delivery.js';
import { createMessageRetention } from '../../src/calls/messages/message-retention.js';
import { buildTestApp } from '../support/http-app.js';
import { ANNA_BERG, FAST_DELIVERY, useCleanups } from '../support/messages.js';
import { useRedis } from '../support/redis.js';
import { startSmtpServer } from '../support/smtp.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

const ctx = useRedis();

const FROM = 'vaxeln@umea.example';

type Delivery = { state: string; attempts: number; lastError?: string; sentAt?: string };
type Message = { id: string; createdAt: string; delivery?: Delivery };

const cleanups = useCleanups();

async function setup() {
  const smtp = await startSmtpServer();
  cleanups.push(smtp.stop);
  const t = await buildTestApp(ctx, {
    messageDelivery: { smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: FROM }, timing: FAST_DELIVERY },
  });
  t.messageDelivery!.start();
  cleanups.push(() => t.messageDelivery!.stop());
  const anna = await t.entries.create(
    {
      ...ANNA_BERG,
    },
    localActor('test setup'),
  );
  const operator = await t.tokenFor('operator');
  const take = async (body: Record<string, unknown>) => {
    const response = await t.call('POST', '/api/v1/messages', { auth: operator, body });
    expect(response.status).toBe(201);
    return response.body as unknown as Message;
  };
  const read = async (id: string) => {
    const { body } = await t.call('GET', `/api/v1/messages?municipality=${VANNAS}`, { auth: operator });
    return (body.messages as Message[]).find((m) => m.id === id)!;
  };
  return { t, smtp, anna, take, read };
}

describe('messages reach the person by e-mail (real Redis, real SMTP server)', () => {
  it('are sent at once to the entry’s address: who called, their number, when and the municipality, in Swedish', async () => {
    const { smtp, anna, take, read } = await setup();
    const message = await take({
      entryId: anna.id,
      callerName: 'Karin Ström',
      callerNumber: '+46701234567',
      text: 'Ring tillbaka om bygglovet på Storgatan 5.',
    });
    expect(message.delivery).toEqual({ state: 'pending', attempts: 0 });

    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), { timeout: 5_000 });
    const [mail] = smtp.received;
    expect(mail!.from).toBe(FROM);
    expect(mail!.to).toEqual(['anna.berg@vannas.example']);
    expect(mail!.subject).toBe('Meddelande från växeln: Karin Ström ringde');
    // When, in the region's time and Swedish words: the message's createdAt as Stockholm shows it.
    const when = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Stockholm',
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    }).format(new Date(message.createdAt));
    const clock = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Stockholm',
      hour: '2-digit',
      minute: '2-digit',
    })
      .format(new Date(message.createdAt))
      .replace(':', '.');
    expect(mail!.text).toContain('Hej Anna Berg!');
    expect(mail!.text).toContain('Från: Karin Ström');
    expect(mail!.text).toContain('Telefonnummer: 070-123 45 67');
    expect(mail!.text).toContain(`När: ${when} kl. ${clock}`);
    expect(mail!.text).toContain('Kommun: Vännäs');
    expect(mail!.text).toContain('Meddelande:\nRing tillbaka om bygglovet på Storgatan 5.');

    await vi.waitFor(async () => expect((await read(message.id)).delivery?.state).toBe('sent'));
    const delivered = (await read(message.id)).delivery!;
    expect(delivered).toMatchObject({ state: 'sent', attempts: 1 });
    expect(Date.parse(delivered.sentAt!)).toBeGreaterThanOrEqual(Date.parse(message.createdAt));
  });

  it('are retried with backoff while the mail server is down, shown as not delivered, and delivered exactly once when it is back, by one of two instances', async () => {
    const { t, smtp, anna, take, read } = await setup();
    await smtp.stop();
    const message = await take({ entryId: anna.id, callerNumber: '070-123 45 67', text: 'Ring mig' });

    // Several failed attempts, each noted on the message the API shows.
    await vi.waitFor(async () => expect((await read(message.id)).delivery?.attempts).toBeGreaterThanOrEqual(3), {
      timeout: 5_000,
    });
    const failed = (await read(message.id)).delivery!;
    expect(failed.state).toBe('failed');
    expect(failed.lastError).toMatch(/^ECONNECTION|^ESOCKET/);
    // Backoff: the waits double (100, 200, 400, 400 ms), so a second later far fewer than 1000/50 polls tried.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await read(message.id)).delivery!.attempts).toBeLessThanOrEqual(8);

    // A second instance on the same Redis: the claim keeps them from both sending it.
    const other = createMessageDelivery({
      redis: ctx.redis,
      k: ctx.k,
      messages: t.callControl.messages,
      entries: t.entries,
      municipalityName: () => 'Vännäs',
      smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: FROM },
      timing: { ...FAST_DELIVERY, pollMs: 10 },
    });
    other.start();
    cleanups.push(() => other.stop());

    await smtp.start();
    await vi.waitFor(async () => expect((await read(message.id)).delivery?.state).toBe('sent'), { timeout: 5_000 });
    // Longer than the longest backoff: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(smtp.received.map((m) => m.to)).toEqual([['anna.berg@vannas.example']]);
    expect(smtp.received[0]!.subject).toBe('Meddelande från växeln: 070-123 45 67 ringde');
    expect(await ctx.redis.zCard(ctx.k.messagesDeliveryDue('email'))).toBe(0);
  });

  it('survive a restart: a message due while no instance ran is sent by the next one', async () => {
    const { t, smtp, anna, take, read } = await setup();
    await smtp.stop();
    const message = await take({ entryId: anna.id, text: 'Ring mig' });
    await vi.waitFor(async () => expect((await read(message.id)).delivery?.state).toBe('failed'));
    await t.messageDelivery!.stop();
    await smtp.start();
    const next = createMessageDelivery({
      redis: ctx.redis,
      k: ctx.k,
      messages: t.callControl.messages,
      entries: t.entries,
      municipalityName: () => 'Vännäs',
      smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: FROM },
      timing: FAST_DELIVERY,
    });
    next.start();
    cleanups.push(() => next.stop());
    await vi.waitFor(async () => expect((await read(message.id)).delivery?.state).toBe('sent'), { timeout: 5_000 });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.subject).toBe('Meddelande från växeln: Okänd uppringare ringde');
  });

  it('for an entry without an address are marked no-address and nothing is sent', async () => {
    const { t, smtp, take, read } = await setup();
    const bo = await t.entries.create(
      { municipalityId: VANNAS, kind: 'function', name: 'Bygglov' },
      localActor('test setup'),
    );
    const message = await take({ entryId: bo.id, text: 'Fråga om bygglov' });
    expect(message.delivery).toEqual({ state: 'no-address', attempts: 0 });
    await t.messageDelivery!.deliverDue();
    expect((await read(message.id)).delivery).toEqual({ state: 'no-address', attempts: 0 });
    expect(smtp.received).toEqual([]);
    expect(await ctx.redis.zCard(ctx.k.messagesDeliveryDue('email'))).toBe(0);
  });

  it('still undelivered at their retention go with the message, and nothing more is tried', async () => {
    const { t, smtp, anna, take, read } = await setup();
    await smtp.stop();
    const message = await take({ entryId: anna.id, text: 'Gammalt' });
    await vi.waitFor(async () => expect((await read(message.id)).delivery?.state).toBe('failed'));
    // Before its retention the message stays, undelivered or not.
    const retention = (daysAhead: number) =>
      createMessageRetention(ctx.redis, ctx.k, {
        retentionDays: 90,
        now: async () => Date.now() + daysAhead * 86_400_000,
      });
    expect(await retention(89).prune()).toEqual({ removed: 0 });
    expect(await read(message.id)).toBeDefined();
    expect(await retention(91).prune()).toEqual({ removed: 1 });
    expect(await ctx.redis.zCard(ctx.k.messagesDeliveryDue('email'))).toBe(0);
    await smtp.start();
    await t.messageDelivery!.deliverDue();
    expect(smtp.received).toEqual([]);
    expect(await ctx.redis.exists(ctx.k.message(message.id))).toBe(0);
  });
});

describe('messages while e-mail is off (no SMTP_HOST)', () => {
  it('have no delivery state and are not queued for sending', async () => {
    const t = await buildTestApp(ctx);
    expect(t.messageDelivery).toBeUndefined();
    const bo = await t.entries.create(
      { municipalityId: UMEA, kind: 'person', givenName: 'Bo', familyName: 'Ek', email: 'bo@umea.example' },
      localActor('test setup'),
    );
    const operator = await t.tokenFor('operator');
    const { body } = await t.call('POST', '/api/v1/messages', {
      auth: operator,
      body: { entryId: bo.id, text: 'Hej' },
    });
    expect(body.delivery).toBeUndefined();
    expect(await ctx.redis.zCard(ctx.k.messagesDeliveryDue('email'))).toBe(0);
  });
});
