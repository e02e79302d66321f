import { beforeEach, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { requireToken } from '../../src/http/auth.js';
import { handleError } from '../../src/http/errors.js';
import { apiRouter } from '../../src/http/openapi.js';
import { routingRoutes } from '../../src/http/routes/routing.js';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

const ctx = useRedis();
let t: Awaited<ReturnType<typeof buildTestApp>>;
let admin: string;

const VANNAS_MAIN = '0935-141 00';

beforeEach(async () => {
  t = await buildTestApp(ctx);
  admin = await t.tokenFor('region-admin');
});

/** GET /api/v1/routing/simulate with the query encoded as a browser would (+ as %2B). */
function simulate(query: Record<string, string>, auth: string | null = admin) {
  return t.call('GET', `/api/v1/routing/simulate?${new URLSearchParams(query).toString()}`, { auth });
}

/** What dialplans/prompts/sv.txt says for the closed prompts: the caller hears these unless a closed message is stored. */
const CLOSED = { prompt: 'closed', text: 'Växeln är stängd just nu.' };
const CLOSED_HOLIDAY = { prompt: 'closed-holiday', text: 'Idag är det helgdag och växeln är stängd.' };
const ALTERNATIVES = {
  prompt: 'closed-alternatives',
  text: 'Vid nödsituation, ring 112. Välkommen åter under våra öppettider.',
};

const fields = (answer: { body: { error?: { details?: { field: string }[] } } }) =>
  answer.body.error?.details?.map((d) => d.field);

describe('GET /api/v1/routing/simulate', () => {
  it('puts a call on an ordinary weekday morning in the municipality’s queue, saying until when it is open and the greeting it hears', async () => {
    const answer = await simulate({ number: VANNAS_MAIN, at: '2026-11-23T10:00:00+01:00' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      number: '+4693514100',
      numberShown: '0935-141 00',
      at: '2026-11-23T10:00:00+01:00',
      meets: 'queue',
      municipality: { id: VANNAS, name: 'Vännäs' },
      routeReason: 'main-number',
      opening: { open: true, rule: 'weekly', hours: ['08:00-16:30'], changesAt: '2026-11-23T16:30:00+01:00' },
      prompts: [{ prompt: 'greeting-2460', text: 'Välkommen till Vännäs kommun. Du står i kö till växeln.' }],
    });
    expect(answer.body.menu).toBeUndefined();
    expect(answer.body.explanation).toMatch(/main number of Vännäs.*open.*waits in its queue/);
  });

  it('gives a call on a public holiday the holiday’s closed prompts as the call flow plays them, naming the holiday', async () => {
    const juldagen = await simulate({ number: VANNAS_MAIN, at: '2026-12-25T10:00:00+01:00' });
    expect(juldagen.body).toMatchObject({
      meets: 'closed-message',
      municipality: { id: VANNAS },
      opening: { open: false, rule: 'holiday', holiday: 'juldagen', changesAt: '2026-12-28T08:00:00+01:00' },
    });
    expect(juldagen.body.prompts).toEqual([CLOSED_HOLIDAY, ALTERNATIVES]);
    expect(juldagen.body.explanation).toContain('juldagen is a public holiday');
    // Easter-based, and the moment given in UTC: shown in local time.
    const langfredagen = await simulate({ number: '090-16 10 00', at: '2027-03-26T09:00:00Z' });
    expect(langfredagen.body).toMatchObject({
      at: '2027-03-26T10:00:00+01:00',
      meets: 'closed-message',
      municipality: { id: UMEA },
      opening: { rule: 'holiday', holiday: 'långfredagen' },
    });
    expect(langfredagen.body.prompts).toEqual([CLOSED_HOLIDAY, ALTERNATIVES]);
  });

  it('reports a stored closed message as what a closed municipality’s caller hears instead of the closed prompt, the alternatives after it', async () => {
    const closedMessage = 'Vännäs kommuns växel är stängd i dag. Vi öppnar igen klockan åtta.';
    const stored = await t.call('POST', '/api/v1/greetings', {
      auth: admin,
      body: {
        municipalityId: VANNAS,
        greeting: 'Vännäs kommun',
        closedMessage,
        queueAnnouncements: ['Du vet väl att du kan söka bygglov på vannas.se.'],
      },
    });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    const message = { prompt: 'closed-message', text: closedMessage };
    // On a holiday and outside the weekly hours alike: the stored message stands for both closed prompts.
    expect((await simulate({ number: VANNAS_MAIN, at: '2026-12-25T10:00:00+01:00' })).body.prompts).toEqual([
      message,
      ALTERNATIVES,
    ]);
    expect((await simulate({ number: VANNAS_MAIN, at: '2026-11-23T20:00:00+01:00' })).body).toMatchObject({
      meets: 'closed-message',
      opening: { open: false },
      prompts: [message, ALTERNATIVES],
    });
    // Open, the caller hears the queue's greeting as before; another municipality keeps its prompts.
    expect((await simulate({ number: VANNAS_MAIN, at: '2026-11-23T10:00:00+01:00' })).body.prompts).toEqual([
      { prompt: 'greeting-2460', text: 'Välkommen till Vännäs kommun. Du står i kö till växeln.' },
    ]);
    expect((await simulate({ number: '090-16 10 00', at: '2026-12-25T10:00:00+01:00' })).body.prompts).toEqual([
      CLOSED_HOLIDAY,
      ALTERNATIVES,
    ]);
    // Removed again: the shipped prompt.
    const removed = await t.call('PATCH', `/api/v1/greetings/${VANNAS}`, {
      auth: admin,
      body: { closedMessage: null },
      headers: { 'if-match': '"1"' },
    });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect((await simulate({ number: VANNAS_MAIN, at: '2026-12-25T10:00:00+01:00' })).body.prompts).toEqual([
      CLOSED_HOLIDAY,
      ALTERNATIVES,
    ]);
  });

  it('closes on the eves the municipality closes on, as set through the opening-hours API', async () => {
    const at = '2026-06-19T10:00:00+02:00';
    // A closed eve sounds as a holiday does.
    expect((await simulate({ number: VANNAS_MAIN, at })).body).toMatchObject({
      meets: 'closed-message',
      opening: { rule: 'eve', holiday: 'midsommarafton' },
      prompts: [CLOSED_HOLIDAY, ALTERNATIVES],
    });
    const kept = await t.call('PATCH', `/api/v1/opening-hours/${VANNAS}`, {
      auth: admin,
      body: { closedEves: ['julafton', 'nyårsafton'] },
      headers: { 'if-match': '"0"' },
    });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    // Open now, with Vännäs's early closing (13:00, config/region.yaml): midsommarafton comes before midsommardagen.
    expect((await simulate({ number: VANNAS_MAIN, at })).body).toMatchObject({
      meets: 'queue',
      opening: { rule: 'pre-holiday', holiday: 'midsommarafton', before: 'midsommardagen', hours: ['08:00-13:00'] },
    });
  });

  it('closes early on a day before a holiday, per municipality', async () => {
    const at = '2026-04-02T14:00:00+02:00';
    // Closed for the afternoon, not for a holiday: the plain closed prompt.
    expect((await simulate({ number: VANNAS_MAIN, at })).body).toMatchObject({
      meets: 'closed-message',
      opening: { open: false, rule: 'pre-holiday', holiday: 'skärtorsdagen', before: 'långfredagen' },
      prompts: [CLOSED, ALTERNATIVES],
    });
    // Umeå closes at 15:00 before holidays.
    expect((await simulate({ number: '090-16 10 00', at })).body).toMatchObject({
      meets: 'queue',
      opening: { rule: 'pre-holiday', hours: ['07:30-15:00'], changesAt: '2026-04-02T15:00:00+02:00' },
    });
  });

  it('follows a stored exception and the manual override, which win over holidays and weekly hours', async () => {
    const exception = await t.call('POST', '/api/v1/opening-hours-exceptions', {
      auth: admin,
      body: {
        municipalityId: VANNAS,
        start: '2026-11-24T00:00:00+01:00',
        end: '2026-11-25T00:00:00+01:00',
        kind: 'closed',
        reason: 'Personaldag',
      },
    });
    expect(exception.status).toBe(201);
    expect((await simulate({ number: VANNAS_MAIN, at: '2026-11-24T10:00:00+01:00' })).body).toMatchObject({
      meets: 'closed-message',
      opening: { rule: 'exception', exception: { id: exception.body.id, kind: 'closed', reason: 'Personaldag' } },
      prompts: [CLOSED, ALTERNATIVES],
    });
    const override = { state: 'open', until: '2026-12-25T12:00:00+01:00' };
    expect(
      (
        await t.call('PATCH', `/api/v1/opening-hours/${VANNAS}`, {
          auth: admin,
          body: { override },
          headers: { 'if-match': '"0"' },
        })
      ).status,
    ).toBe(200);
    expect((await simulate({ number: VANNAS_MAIN, at: '2026-12-25T10:00:00+01:00' })).body).toMatchObject({
      meets: 'queue',
      opening: { rule: 'override', override },
    });
    expect((await simulate({ number: VANNAS_MAIN, at: '2026-12-25T12:00:00+01:00' })).body).toMatchObject({
      meets: 'closed-message',
      opening: { rule: 'holiday' },
    });
  });

  it('rejects a number that is not the region’s, and knows direct-dial and regional numbers', async () => {
    const stranger = await simulate({ number: '070-123 45 67', at: '2026-11-23T10:00:00+01:00' });
    expect(stranger.status).toBe(200);
    expect(stranger.body).toMatchObject({ number: '+46701234567', meets: 'rejected' });
    expect(stranger.body.municipality).toBeUndefined();
    expect(stranger.body.explanation).toContain('not a number of the region');
    expect((await simulate({ number: '0935-141 23', at: '2026-12-25T10:00:00+01:00' })).body).toMatchObject({
      meets: 'closed-message',
      municipality: { id: VANNAS },
      routeReason: 'unassigned-direct-number',
    });
  });

  it('tells what the regional menu says, in the configured order, and what no choice leads to', async () => {
    const menu = await simulate({ number: '0932-140 90', at: '2026-11-23T10:00:00+01:00' });
    expect(menu.body).toMatchObject({
      meets: 'menu',
      municipality: { id: '2403', name: 'Bjurholm' },
      opening: { open: true },
    });
    const heard = menu.body.menu as { prompt: string; text: string }[];
    expect(heard.slice(0, 5)).toEqual([
      { prompt: 'menu-welcome', text: 'Välkommen till Umeåregionens växel.' },
      { prompt: 'menu-for-2403', text: 'För Bjurholm,' },
      { prompt: 'menu-press-1', text: 'tryck 1.' },
      { prompt: 'menu-for-2401', text: 'För Nordmaling,' },
      { prompt: 'menu-press-2', text: 'tryck 2.' },
    ]);
    // Every member, digit 1 to 7, in config/region.yaml's order.
    expect(
      heard.filter((p) => p.prompt.startsWith('menu-for-')).map((p) => p.prompt.slice('menu-for-'.length)),
    ).toEqual(t.region.municipalities.map((m) => m.id));
    expect(heard.at(-1)).toEqual({ prompt: 'menu-press-7', text: 'tryck 7.' });
    // Without a choice: Bjurholm's queue greeting; on a holiday, its closed prompts.
    expect(menu.body.prompts).toEqual([
      { prompt: 'greeting-2403', text: 'Välkommen till Bjurholms kommun. Du står i kö till växeln.' },
    ]);
    expect((await simulate({ number: '0932-140 90', at: '2026-12-25T10:00:00+01:00' })).body).toMatchObject({
      meets: 'menu',
      prompts: [CLOSED_HOLIDAY, ALTERNATIVES],
    });
  });

  it('rings the extension a direct number is given to, telling what an unanswered call then meets', async () => {
    // The simulator as startSwitchboard mounts it, with the call flow's owner of direct numbers.
    const app = apiRouter();
    app.use(requireToken(t.tokens));
    app.route(
      '/routing',
      routingRoutes({
        directory: t.directory,
        region: t.region,
        admin: t.admin,
        directNumberOwner: t.directNumberOwner,
      }),
    );
    app.onError(handleError);
    await t.admin.extensions.create(
      {
        extension: '2460123',
        displayName: 'Anna Berg',
        municipalityId: VANNAS,
        directNumber: '0935-141 23',
        password: 'correct horse battery staple',
      },
      localActor('test setup'),
    );
    const ask = async (at: string) => {
      const response = await app.request(
        `/routing/simulate?${new URLSearchParams({ number: '0935-141 23', at }).toString()}`,
        { headers: { authorization: `Bearer ${admin}` } },
      );
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const open = await ask('2026-11-23T10:00:00+01:00');
    expect(open.status, JSON.stringify(open.body)).toBe(200);
    expect(open.body).toMatchObject({
      meets: 'extension',
      extension: '2460123',
      municipality: { id: VANNAS },
      opening: { open: true },
    });
    expect(open.body.explanation).toMatch(/extension 2460123.*If not answered.*waits in its queue/);
    expect(open.body.prompts).toEqual([
      { prompt: 'greeting-2460', text: 'Välkommen till Vännäs kommun. Du står i kö till växeln.' },
    ]);
    expect((await ask('2026-12-25T10:00:00+01:00')).body).toMatchObject({
      meets: 'extension',
      opening: { open: false, rule: 'holiday', holiday: 'juldagen' },
      prompts: [CLOSED_HOLIDAY, ALTERNATIVES],
    });
  });

  it('simulates now when no moment is given', async () => {
    const before = Date.now();
    const answer = await simulate({ number: '+4693514100' });
    expect(answer.status).toBe(200);
    const at = Date.parse(answer.body.at as string);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    // Any moment the format allows is answered, the calendar's edges too.
    for (const edge of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])
      expect((await simulate({ number: VANNAS_MAIN, at: edge })).status, edge).toBe(200);
  });

  it('refuses a bad number or moment with a 400 naming query.number or query.at', async () => {
    for (const [query, field] of [
      [{}, 'query.number'],
      [{ number: 'abc' }, 'query.number'],
      [{ number: '12' }, 'query.number'],
      [{ number: VANNAS_MAIN, at: '2026-12-25T10:00:00' }, 'query.at'],
      [{ number: VANNAS_MAIN, at: 'tomorrow' }, 'query.at'],
      [{ number: VANNAS_MAIN, at: '2026-02-30T10:00:00+01:00' }, 'query.at'],
      [{ number: VANNAS_MAIN, when: 'now' }, 'query.when'],
    ] as const) {
      const answer = await simulate(query);
      expect(answer.status, JSON.stringify(query)).toBe(400);
      expect(fields(answer), JSON.stringify(answer.body)).toContain(field);
    }
  });

  it('needs a token with directory:read; a municipality admin simulates their own numbers only', async () => {
    const query = { number: VANNAS_MAIN, at: '2026-11-23T10:00:00+01:00' };
    expect((await simulate(query, null)).status).toBe(401);
    for (const role of ['operator', 'auditor'] as const)
      expect((await simulate(query, await t.tokenFor(role))).status, role).toBe(200);
    expect((await simulate(query, await t.tokenFor('municipality-admin', VANNAS))).status).toBe(200);
    const other = await simulate(query, await t.tokenFor('municipality-admin', UMEA));
    expect(other.status).toBe(403);
    expect(other.body.error?.code).toBe('other_municipality');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).body as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    expect(doc.paths['/api/v1/routing/simulate']?.get?.parameters?.map((p) => p.name).sort()).toEqual(['at', 'number']);
  });
});
