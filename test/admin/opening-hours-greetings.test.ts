import { beforeEach, describe, expect, it } from 'vitest';
import { operatorGreeting } from '../../src/admin/greetings.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS, adminApp, setupActor, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const weekly = { monday: ['08:00-12:00', '13:00-16:30'], friday: ['08:00-15:00'] };
const julafton = {
  municipalityId: VANNAS,
  start: '2026-12-24T00:00:00+01:00',
  end: '2026-12-25T00:00:00+01:00',
  kind: 'closed',
  reason: 'Julafton',
};

/** The fields a 400 names. */
const fields = (answer: { body: { error?: { details?: { field: string }[] } } }) =>
  answer.body.error?.details?.map((d) => d.field);

describe('/api/v1/opening-hours', () => {
  it('shows the configured hours at version 0 until some are stored, then the stored ones', async () => {
    const seeded = await app.send('GET', `/api/v1/opening-hours/${VANNAS}`);
    expect(seeded.status).toBe(200);
    expect(seeded.headers.get('etag')).toBe('"0"');
    expect(seeded.body).toMatchObject({
      id: VANNAS,
      version: 0,
      municipalityId: VANNAS,
      weekly: { monday: ['08:00-16:30'], saturday: [] },
    });
    expect((await app.send('GET', '/api/v1/opening-hours/9999')).status).toBe(404);
    expect((await app.send('DELETE', `/api/v1/opening-hours/${VANNAS}`, { ifMatch: '"0"' })).body.error?.code).toBe(
      'opening-hours_not_stored',
    );

    const changed = await app.send('PATCH', `/api/v1/opening-hours/${VANNAS}`, { body: { weekly }, ifMatch: '"0"' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ id: VANNAS, version: 1, weekly: { ...weekly, sunday: [] } });
    expect((await app.send('GET', `/api/v1/opening-hours?municipality=${VANNAS}`)).body['opening-hours']).toEqual([
      changed.body,
    ]);

    const override = { state: 'closed', until: '2026-11-27T13:00:00+01:00' };
    const overridden = await app.send('PATCH', `/api/v1/opening-hours/${VANNAS}`, {
      body: { override },
      ifMatch: '"1"',
    });
    expect(overridden.body).toMatchObject({ version: 2, override });
    expect(
      (await app.send('PATCH', `/api/v1/opening-hours/${VANNAS}`, { body: { override: null }, ifMatch: '"1"' })).status,
    ).toBe(412);
    expect((await app.send('DELETE', `/api/v1/opening-hours/${VANNAS}`, { ifMatch: '"2"' })).status).toBe(204);
    expect((await app.send('GET', `/api/v1/opening-hours/${VANNAS}`)).body).toMatchObject({
      version: 0,
      weekly: { monday: ['08:00-16:30'] },
    });

    // Storing over the configured hours is the create; its before is what the config said.
    const entries = (
      await app.send('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=opening-hours&objectId=${VANNAS}`)
    ).body.entries as { action: string; before?: object }[];
    expect(entries.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(entries[2]!.before).toMatchObject({ version: 0, weekly: { monday: ['08:00-16:30'] } });
  });

  it('keeps the calendar settings: closed eves (default all three) and early closing before holidays, seeded from the config', async () => {
    const seeded = await app.send('GET', `/api/v1/opening-hours/${VANNAS}`);
    expect(seeded.body).toMatchObject({
      version: 0,
      closedEves: ['midsommarafton', 'julafton', 'nyårsafton'],
      preHolidayClosesAt: '13:00',
    });
    // Bjurholm's config sets no early closing.
    expect((await app.send('GET', '/api/v1/opening-hours/2403')).body.preHolidayClosesAt).toBeUndefined();

    const created = await app.send('POST', '/api/v1/opening-hours', { body: { municipalityId: UMEA, weekly } });
    expect(created.body).toMatchObject({ closedEves: ['midsommarafton', 'julafton', 'nyårsafton'] });
    expect(created.body.preHolidayClosesAt).toBeUndefined();
    const changed = await app.send('PATCH', `/api/v1/opening-hours/${UMEA}`, {
      body: { closedEves: ['julafton'], preHolidayClosesAt: '15:00' },
      ifMatch: '"1"',
    });
    expect(changed.body).toMatchObject({ version: 2, closedEves: ['julafton'], preHolidayClosesAt: '15:00' });
    // A change that leaves them out keeps them: a default applies to a new object, not to a field left out.
    const kept = await app.send('PATCH', `/api/v1/opening-hours/${UMEA}`, {
      body: { override: { state: 'closed', until: '2026-12-01T08:00:00+01:00' } },
      ifMatch: '"2"',
    });
    expect(kept.body).toMatchObject({ version: 3, closedEves: ['julafton'], preHolidayClosesAt: '15:00' });
    const cleared = await app.send('PATCH', `/api/v1/opening-hours/${UMEA}`, {
      body: { override: null },
      ifMatch: '"3"',
    });
    expect(cleared.body).toMatchObject({ version: 4, closedEves: ['julafton'] });
    // null brings back the default: every eve closed, no early closing.
    const reset = await app.send('PATCH', `/api/v1/opening-hours/${UMEA}`, {
      body: { closedEves: null, preHolidayClosesAt: null },
      ifMatch: '"4"',
    });
    expect(reset.body).toMatchObject({ version: 5, closedEves: ['midsommarafton', 'julafton', 'nyårsafton'] });
    expect(reset.body.preHolidayClosesAt).toBeUndefined();

    const before = await snapshot(ctx);
    for (const [change, field] of [
      [{ closedEves: ['påskafton'] }, 'body.closedEves[0]'],
      [{ closedEves: ['julafton', 'julafton'] }, 'body.closedEves'],
      [{ closedEves: 'julafton' }, 'body.closedEves'],
      [{ preHolidayClosesAt: '25:00' }, 'body.preHolidayClosesAt'],
      [{ preHolidayClosesAt: '3pm' }, 'body.preHolidayClosesAt'],
    ] as const) {
      const answer = await app.send('PATCH', `/api/v1/opening-hours/${UMEA}`, { body: change, ifMatch: '"5"' });
      expect(answer.status, JSON.stringify(change)).toBe(400);
      expect(fields(answer), JSON.stringify(answer.body)).toContain(field);
    }
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('creates one per municipality, its id the kommunkod; a second is 409', async () => {
    const created = await app.send('POST', '/api/v1/opening-hours', { body: { municipalityId: UMEA, weekly } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/opening-hours/${UMEA}`);
    const again = await app.send('POST', '/api/v1/opening-hours', { body: { municipalityId: UMEA, weekly } });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('opening-hours_exists');
  });

  it('refuses bad hours, naming the field, and stores nothing', async () => {
    const before = await snapshot(ctx);
    for (const [bad, field] of [
      [{ monday: ['8-16'] }, 'body.weekly.monday[0]'],
      [{ monday: ['08:00-24:30'] }, 'body.weekly.monday[0]'],
      [{ tuesday: ['16:00-08:00'] }, 'body.weekly.tuesday[0]'],
      [{ friday: ['08:00-12:00', '11:30-16:00'] }, 'body.weekly.friday[1]'],
      [{ someday: ['08:00-12:00'] }, 'body.weekly.someday'],
    ] as const) {
      const answer = await app.send('POST', '/api/v1/opening-hours', { body: { municipalityId: VANNAS, weekly: bad } });
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(fields(answer), JSON.stringify(answer.body)).toContain(field);
    }
    const overlapping = await app.send('POST', '/api/v1/opening-hours', {
      body: { municipalityId: VANNAS, weekly: { friday: ['08:00-12:00', '11:30-16:00'] } },
    });
    expect(overlapping.body.error?.message).toContain('overlaps 08:00-12:00');
    const badOverride = await app.send('PATCH', `/api/v1/opening-hours/${VANNAS}`, {
      body: { override: { state: 'open', until: '2026-11-27 13:00' } },
      ifMatch: '"0"',
    });
    expect(fields(badOverride)).toContain('body.override.until');
    expect((await app.send('POST', '/api/v1/opening-hours', { body: { municipalityId: '9999', weekly } })).status).toBe(
      400,
    );
    expect(await snapshot(ctx)).toEqual(before);
  });
});

describe('/api/v1/opening-hours-exceptions', () => {
  it('stores closed, open and reduced periods, listed in order of time, and audits them', async () => {
    const closed = await app.send('POST', '/api/v1/opening-hours-exceptions', { body: julafton });
    expect(closed.status, JSON.stringify(closed.body)).toBe(201);
    const reduced = await app.send('POST', '/api/v1/opening-hours-exceptions', {
      body: {
        municipalityId: VANNAS,
        start: '2026-12-23T06:00:00Z',
        end: '2026-12-23T23:00:00+01:00',
        kind: 'reduced',
        hours: ['08:00-12:00'],
        reason: 'Dagen före julafton',
      },
    });
    expect(reduced.status).toBe(201);
    const list = (await app.send('GET', `/api/v1/opening-hours-exceptions?municipality=${VANNAS}`)).body[
      'opening-hours-exceptions'
    ] as { reason: string }[];
    expect(list.map((e) => e.reason)).toEqual(['Dagen före julafton', 'Julafton']);

    const id = closed.body.id as string;
    const opened = await app.send('PATCH', `/api/v1/opening-hours-exceptions/${id}`, {
      body: { kind: 'open', hours: ['10:00-13:00'] },
      ifMatch: '"1"',
    });
    expect(opened.body).toMatchObject({ version: 2, kind: 'open', hours: ['10:00-13:00'], reason: 'Julafton' });
    expect(
      (await app.send('PATCH', `/api/v1/opening-hours-exceptions/${id}`, { body: { reason: 'x' }, ifMatch: '"1"' }))
        .status,
    ).toBe(412);
    expect((await app.send('PATCH', `/api/v1/opening-hours-exceptions/${id}`, { body: { reason: 'x' } })).status).toBe(
      428,
    );

    const entries = (
      await app.send('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=opening-exception&objectId=${id}`)
    ).body.entries as { action: string }[];
    expect(entries.map((e) => e.action)).toEqual(['update', 'create']);
  });

  it('refuses an end before the start, hours with closed, none with reduced, and times without offset', async () => {
    const before = await snapshot(ctx);
    for (const [change, field] of [
      [{ end: '2026-12-23T00:00:00+01:00' }, 'body.end'],
      [{ end: julafton.start }, 'body.end'],
      [{ hours: ['08:00-12:00'] }, 'body.hours'],
      [{ kind: 'reduced' }, 'body.hours'],
      [{ kind: 'reduced', hours: ['08:00-12:00', '09:00-10:00'] }, 'body.hours[1]'],
      [{ start: '2026-12-24T00:00:00' }, 'body.start'],
      [{ kind: 'holiday' }, 'body.kind'],
      [{ reason: '' }, 'body.reason'],
    ] as const) {
      const answer = await app.send('POST', '/api/v1/opening-hours-exceptions', { body: { ...julafton, ...change } });
      expect(answer.status, JSON.stringify(change)).toBe(400);
      expect(fields(answer), JSON.stringify(answer.body)).toContain(field);
    }
    expect(await snapshot(ctx)).toEqual(before);
  });
});

describe('/api/v1/greetings', () => {
  const greeting = {
    municipalityId: VANNAS,
    greeting: 'Vännäs kommun, du talar med växeln.',
    closedMessage: 'Växeln är stängd.',
    queueAnnouncements: ['Du står i kö.'],
  };

  it('stores one per municipality with the language defaulting to sv, and audits it', async () => {
    const created = await app.send('POST', '/api/v1/greetings', { body: greeting });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({ id: VANNAS, version: 1, ...greeting, language: 'sv' });
    expect((await app.send('POST', '/api/v1/greetings', { body: greeting })).status).toBe(409);
    const changed = await app.send('PATCH', `/api/v1/greetings/${VANNAS}`, {
      body: { closedMessage: null, language: 'sv-SE' },
      ifMatch: '"1"',
    });
    expect(changed.body).toEqual({
      id: VANNAS,
      version: 2,
      municipalityId: VANNAS,
      greeting: greeting.greeting,
      queueAnnouncements: greeting.queueAnnouncements,
      language: 'sv-SE',
    });
    const entries = (
      await app.send('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=greeting&objectId=${VANNAS}`)
    ).body.entries as { action: string }[];
    expect(entries.map((e) => e.action)).toEqual(['update', 'create']);
    expect((await app.send('GET', `/api/v1/greetings/${UMEA}`)).status).toBe(404);
  });

  it('refuses a missing or too long greeting and a bad language tag, naming the field', async () => {
    for (const [body, field] of [
      [{ municipalityId: VANNAS }, 'body.greeting'],
      [{ ...greeting, greeting: 'x'.repeat(201) }, 'body.greeting'],
      [{ ...greeting, language: 'svenska!' }, 'body.language'],
      [{ ...greeting, queueAnnouncements: [''] }, 'body.queueAnnouncements[0]'],
    ] as const) {
      const answer = await app.send('POST', '/api/v1/greetings', { body });
      expect(answer.status).toBe(400);
      expect(fields(answer), JSON.stringify(answer.body)).toContain(field);
    }
  });

  it('lets a municipality admin change only their own municipality’s (403 otherwise)', async () => {
    const vannas = await app.t.tokenFor('municipality-admin', VANNAS, 'IT Vännäs');
    expect(
      (await app.send('POST', '/api/v1/greetings', { auth: vannas, body: { ...greeting, municipalityId: UMEA } })).body
        .error?.code,
    ).toBe('other_municipality');
    expect(
      (await app.send('PATCH', `/api/v1/opening-hours/${UMEA}`, { auth: vannas, body: { weekly }, ifMatch: '"0"' }))
        .status,
    ).toBe(403);
    expect((await app.send('GET', `/api/v1/opening-hours/${UMEA}`, { auth: vannas })).status).toBe(403);
    expect((await app.send('POST', '/api/v1/greetings', { auth: vannas, body: greeting })).status).toBe(201);
  });

  it('gives the operator the stored greeting on answer, else the configured one', async () => {
    const configured = (await app.t.directory.getMunicipality(VANNAS))?.greeting;
    expect(configured).toBe(app.t.region.municipalities.find((m) => m.id === VANNAS)?.greeting);
    expect(await operatorGreeting(app.t.admin.greetings, VANNAS, configured)).toBe(configured);
    await app.t.admin.greetings.create(greeting, setupActor);
    expect(await operatorGreeting(app.t.admin.greetings, VANNAS, configured)).toBe(greeting.greeting);
    expect(await operatorGreeting(app.t.admin.greetings, UMEA, 'Umeå kommun')).toBe('Umeå kommun');
  });
});
