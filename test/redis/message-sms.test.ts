import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createMessageRetention } from '../../src/calls/messages/message-retention.js';
import { createLogger, log } from '../../src/log.js';
import { buildTestApp } from '../support/http-app.js';
import { ANNA_BERG, FAST_DELIVERY, useCleanups } from '../support/messages.js';
import { useRedis } from '../support/redis.js';
import { startSmsGateway } from '../support/sms-gateway.js';
import { startSmtpServer } from '../support/smtp.js';
import { VANNAS } from '../support/municipalities.js';

const ctx = useRedis();

const AUTHORIZATION = 'Bearer sms-gateway-secret-7f3a';
const BODY = '{"recipient":"{{to}}","message":"{{text}}","sender":"{{from}}","options":{"flash":false}}';
const MOBILE = '+46701112233';

type Delivery = { state: string; attempts: number; lastError?: string; sentAt?: string };
type Message = { id: string; createdAt: string; delivery?: Delivery; smsDelivery?: Delivery };

const cleanups = useCleanups();

/** Every line any logger of the app writes during the test, at debug level (personal fields too), as text. */
function captureLogLines(): string[] {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger('debug', sink);
  const child = vi.spyOn(log, 'child').mockImplementation((bindings) => logger.child(bindings));
  cleanups.push(() => child.mockRestore());
  return lines;
}

async function setup({ smtpPort }: { smtpPort?: number } = {}) {
  const logLines = captureLogLines();
  const gateway = await startSmsGateway();
  cleanups.push(gateway.stop);
  const t = await buildTestApp(ctx, {
    messageDelivery: {
      sms: { url: gateway.url, bodyTemplate: BODY, authorization: AUTHORIZATION, from: 'Vaxeln' },
      ...(smtpPort === undefined
        ? {}
        : { smtp: { host: '127.0.0.1', port: smtpPort, tls: 'none', from: 'v@x.example' } }),
      timing: FAST_DELIVERY,
    },
  });
  t.messageDelivery!.start();
  cleanups.push(() => t.messageDelivery!.stop());
  const anna = await t.entries.create(
    {
      ...ANNA_BERG,
      // A fixed number first: the SMS goes to the first mobile one.
      phoneNumbers: ['+4693514199', MOBILE],
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
  return { t, gateway, anna, take, read, logLines };
}

/** "fre 5/12 14.05": when, as the SMS says it, in the region's time. */
function smsWhen(iso: string): string {
  const part = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', ...options }).format(new Date(iso));
  return `${part({ weekday: 'short' })} ${part({ day: 'numeric' })}/${part({ month: 'numeric' })} ${part({ hour: '2-digit', minute: '2-digit' }).replace(':', '.')}`;
}

describe('messages reach the person by SMS (real Redis, a real HTTP server as the gateway)', () => {
  it('are POSTed at once to the gateway: the template filled, JSON-escaped, to the first mobile number, with the Authorization header', async () => {
    const { gateway, anna, take, read } = await setup();
    const message = await take({
      entryId: anna.id,
      callerName: 'Per "Pelle" Ek',
      callerNumber: '+46701234567',
      text: 'Ring tillbaka om bygglovet.\nGärna före 15.',
    });
    expect(message.smsDelivery).toEqual({ state: 'pending', attempts: 0 });
    // E-mail is off here: no state for it.
    expect(message.delivery).toBeUndefined();

    await vi.waitFor(() => expect(gateway.received).toHaveLength(1), { timeout: 5_000 });
    const [sms] = gateway.received;
    expect(sms!.authorization).toBe(AUTHORIZATION);
    expect(sms!.contentType).toBe('application/json');
    expect(sms!.body).toEqual({
      recipient: MOBILE,
      message: `Växeln: Per "Pelle" Ek (070-123 45 67) ringde ${smsWhen(message.createdAt)} (Vännäs): Ring tillbaka om bygglovet. Gärna före 15.`,
      sender: 'Vaxeln',
      options: { flash: false },
    });
    await vi.waitFor(async () => expect((await read(message.id)).smsDelivery?.state).toBe('sent'));
    expect((await read(message.id)).smsDelivery).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('fit one SMS (160 characters): a long message is cut, the console has it whole', async () => {
    const { gateway, anna, take } = await setup();
    await take({ entryId: anna.id, text: `Ärendet gäller ${'bygglov '.repeat(40)}slut` });
    await vi.waitFor(() => expect(gateway.received).toHaveLength(1), { timeout: 5_000 });
    const text = (gateway.received[0]!.body as { message: string }).message;
    expect(text.length).toBeLessThanOrEqual(160);
    expect(text.length).toBeGreaterThan(150);
    expect(text).toMatch(/^Växeln: Okänd ringde .* \(Vännäs\): Ärendet gäller bygglov .*\.\.\.$/);
  });

  it('are retried while the gateway answers 503 or is down, shown as not delivered, and delivered once it is back; the secret, the number and the text are in no log line', async () => {
    const { gateway, anna, take, read, logLines } = await setup();
    gateway.status = 503;
    const message = await take({ entryId: anna.id, callerNumber: '070-123 45 67', text: 'Hemligt ärende' });
    await vi.waitFor(async () => expect((await read(message.id)).smsDelivery?.attempts).toBeGreaterThanOrEqual(2), {
      timeout: 5_000,
    });
    // The status only: not the gateway's body, which echoes the request.
    expect((await read(message.id)).smsDelivery).toMatchObject({ state: 'failed', lastError: 'HTTP 503' });

    await gateway.stop();
    await vi.waitFor(async () => expect((await read(message.id)).smsDelivery?.lastError).toBe('ECONNREFUSED'), {
      timeout: 5_000,
    });
    const triedWhileDown = (await read(message.id)).smsDelivery!.attempts;
    const postedWhileFailing = gateway.received.length;

    gateway.status = 200;
    await gateway.start();
    await vi.waitFor(async () => expect((await read(message.id)).smsDelivery?.state).toBe('sent'), { timeout: 5_000 });
    // Longer than the longest backoff: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(gateway.received).toHaveLength(postedWhileFailing + 1);
    const delivered = (await read(message.id)).smsDelivery!;
    expect(delivered.attempts).toBeGreaterThan(triedWhileDown);
    expect(delivered.lastError).toBeUndefined();
    expect(await ctx.redis.zCard(ctx.k.messagesDeliveryDue('sms'))).toBe(0);

    const logged = logLines.join('');
    expect(logged).toContain(message.id);
    expect(logged).toContain('"channel":"sms"');
    for (const secret of ['sms-gateway-secret', MOBILE, '701112233', 'Hemligt']) expect(logged).not.toContain(secret);
  });

  it('go by e-mail and SMS each on its own: a mail server that is down does not hold the SMS back', async () => {
    const smtp = await startSmtpServer();
    cleanups.push(smtp.stop);
    const { gateway, anna, take, read } = await setup({ smtpPort: smtp.port });
    await smtp.stop();
    const message = await take({ entryId: anna.id, text: 'Två vägar' });
    expect(message).toMatchObject({ delivery: { state: 'pending' }, smsDelivery: { state: 'pending' } });
    await vi.waitFor(async () => expect((await read(message.id)).smsDelivery?.state).toBe('sent'), { timeout: 5_000 });
    await vi.waitFor(async () => expect((await read(message.id)).delivery?.state).toBe('failed'), { timeout: 5_000 });
    expect(gateway.received).toHaveLength(1);
    await smtp.start();
    await vi.waitFor(async () => expect((await read(message.id)).delivery?.state).toBe('sent'), { timeout: 5_000 });
    expect(smtp.received.map((m) => m.to)).toEqual([['anna.berg@vannas.example']]);
    expect(gateway.received).toHaveLength(1);
  });

  it('for an entry without a mobile number are marked no-address and nothing is sent', async () => {
    const { t, gateway, take, read } = await setup();
    const desk = await t.entries.create(
      { municipalityId: VANNAS, kind: 'function', name: 'Bygglov', phoneNumbers: ['+4693514198'] },
      localActor('test setup'),
    );
    const message = await take({ entryId: desk.id, text: 'Fråga om bygglov' });
    expect(message.smsDelivery).toEqual({ state: 'no-address', attempts: 0 });
    await t.messageDelivery!.deliverDue();
    expect((await read(message.id)).smsDelivery).toEqual({ state: 'no-address', attempts: 0 });
    expect(gateway.received).toEqual([]);
    expect(await ctx.redis.zCard(ctx.k.messagesDeliveryDue('sms'))).toBe(0);
  });

  it('still undelivered at their retention go with the message, out of the SMS due set too', async () => {
    const { t, gateway, anna, take, read } = await setup();
    await gateway.stop();
    const message = await take({ entryId: anna.id, text: 'Gammalt' });
    await vi.waitFor(async () => expect((await read(message.id)).smsDelivery?.state).toBe('failed'));
    const retention = createMessageRetention(ctx.redis, ctx.k, {
      retentionDays: 90,
      now: async () => Date.now() + 91 * 86_400_000,
    });
    expect(await retention.prune()).toEqual({ removed: 1 });
    expect(await ctx.redis.zCard(ctx.k.messagesDeliveryDue('sms'))).toBe(0);
    await gateway.start();
    await t.messageDelivery!.deliverDue();
    expect(gateway.received).toEqual([]);
  });
});
