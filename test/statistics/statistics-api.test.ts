import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import type { CallRecord } from '../../src/calls/call-record.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { COST_SPLIT_COLUMNS } from '../../src/statistics/cost-split.js';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS, ended } from './support.js';

const ctx = useRedis();
let t: Awaited<ReturnType<typeof buildTestApp>>;
let admin: string;
/** An operator: their token (its id is what call records name) and their operator account. */
type Operator = { id: string; token: string; accountId: string };
let anna: Operator;
let bo: Operator;

/** A new operator token, and (unless `account` is false) an operator account of that name linked to it. */
async function operator(name: string, { account = true } = {}): Promise<Operator> {
  const { token, record } = await t.tokens.create({ name, role: 'operator' }, localActor('test setup'));
  const linked = account
    ? await t.admin.operatorAccounts.create(
        { name, municipalityId: VANNAS, tokenId: record.id, municipalities: [{ id: VANNAS, weight: 1 }] },
        localActor('test setup'),
      )
    : undefined;
  return { id: record.id, token, accountId: linked?.id ?? '' };
}

beforeEach(async () => {
  t = await buildTestApp(ctx);
  admin = await t.tokenFor('region-admin');
  anna = await operator('Anna');
  bo = await operator('Bo');
});

/**
 * Writes a record as the queue scripts do: a hash of strings, indexed by arrival under the
 * municipality it arrived for (store/lua/enqueue-6.lua), which is the record's own unless the
 * call has since moved to another's queue.
 */
async function store(record: CallRecord, extra: Record<string, string> = {}, arrivedFor = record.municipalityId) {
  const hash = Object.fromEntries(
    Object.entries(record).flatMap(([field, value]) => (value === undefined ? [] : [[field, String(value)]])),
  );
  await ctx.redis.hSet(ctx.k.call(record.callId), { ...hash, ...extra });
  await ctx.redis.zAdd(ctx.k.callsByTime(), { score: record.enqueuedAt, value: record.callId });
  await ctx.redis.zAdd(ctx.k.callsByMunicipality(arrivedFor), { score: record.enqueuedAt, value: record.callId });
}

/** November 2026 in Vännäs and Umeå, with one call of each kind the reader must leave out. */
async function storeNovember() {
  await store(ended('answered', { at: '2026-11-02T09:00:00+01:00', waitS: 10, talkS: 120, operatorId: anna.id }), {
    transfers: '1',
  });
  await store(ended('answered', { at: '2026-11-02T09:30:00+01:00', waitS: 40, talkS: 60, operatorId: bo.id }));
  await store(ended('abandoned', { at: '2026-11-02T10:00:00+01:00', waitS: 3 }));
  await store(ended('abandoned', { at: '2026-11-03T14:00:00+01:00', waitS: 50, operatorId: anna.id }));
  await store(ended('answered', { at: '2026-11-30T23:30:00+01:00', waitS: 20, talkS: 30, operatorId: anna.id }));
  await store(
    ended('answered', {
      at: '2026-11-02T11:00:00+01:00',
      waitS: 5,
      talkS: 180,
      operatorId: bo.id,
      municipalityId: UMEA,
    }),
  );
  await store(ended('abandoned', { at: '2026-11-10T12:00:00+01:00', waitS: 30, municipalityId: UMEA }));
  // Left out: after the month (23:10 on 30 November in UTC), still waiting, and unreadable.
  await store(ended('answered', { at: '2026-12-01T00:10:00+01:00', waitS: 1, talkS: 1000, operatorId: anna.id }));
  const waiting = ended('answered', { at: '2026-11-05T10:00:00+01:00' });
  await store({
    ...waiting,
    state: 'waiting',
    outcome: undefined,
    waitMs: undefined,
    answeredAt: undefined,
    endedAt: undefined,
    talkMs: undefined,
  });
  await store(ended('answered', { at: '2026-11-06T10:00:00+01:00', waitS: 1, talkS: 1000 }), { attempts: 'many' });
}

const get = async (path: string, auth = admin) => t.call('GET', path, { auth });
/** The CSV endpoint answers text when it succeeds. */
const getCsv = async (path: string, auth = admin) =>
  t.app.request(path, { headers: { authorization: `Bearer ${auth}` } });
const fieldsOf = (body: { error?: { details?: { field: string }[] } }) => body.error?.details?.map((d) => d.field);
const NOVEMBER = 'from=2026-11-01&to=2026-12-01';

describe('GET /api/v1/statistics/municipalities/{id}', () => {
  it('gives a municipality’s figures of the month, per local day, from the stored records', async () => {
    await storeNovember();
    const { status, body } = await get(`/api/v1/statistics/municipalities/${VANNAS}?${NOVEMBER}`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      municipality: { id: VANNAS, name: 'Vännäs' },
      from: '2026-11-01T00:00:00+01:00',
      to: '2026-12-01T00:00:00+01:00',
      serviceLevelSeconds: 30,
      groupBy: 'day',
    });
    // Hand-computed: answered waits 10, 40, 20 (2 within 30 s); abandoned 3 s (short) and 50 s.
    expect(body.total).toEqual({
      offered: 5,
      answered: 3,
      abandoned: 2,
      shortAbandoned: 1,
      otherOutcomes: {},
      mediaNodeLost: 0,
      answeredWithinServiceLevel: 2,
      serviceLevel: 0.5,
      meanWaitSeconds: 23.333,
      p90WaitSeconds: 40,
      talkSeconds: 210,
      meanTalkSeconds: 70,
    });
    const periods = body.periods as { start: string; offered: number; answered: number; talkSeconds: number }[];
    expect(periods).toHaveLength(30);
    expect(periods[1]).toMatchObject({ start: '2026-11-02T00:00:00+01:00', offered: 3, answered: 2, talkSeconds: 180 });
    expect(periods[29]).toMatchObject({ start: '2026-11-30T00:00:00+01:00', offered: 1, answered: 1, talkSeconds: 30 });
    expect(periods.reduce((sum, p) => sum + p.offered, 0)).toBe(5);
  });

  it('gives 25 local hours on the autumn DST day', async () => {
    await store(ended('answered', { at: '2026-10-25T02:30:00+01:00', waitS: 12, talkS: 60 }));
    const { status, body } = await get(
      `/api/v1/statistics/municipalities/${VANNAS}?from=2026-10-25&to=2026-10-26&groupBy=hour`,
    );
    expect(status).toBe(200);
    const periods = body.periods as { start: string; answered: number }[];
    expect(periods).toHaveLength(25);
    expect(periods.filter((p) => p.answered > 0).map((p) => p.start)).toEqual(['2026-10-25T02:00:00+01:00']);
  });

  it('counts calls made through the real queue, and leaves out calls not yet ended', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    await operators.login(anna.id, { name: 'Anna', phone: 'sip:anna@10.0.0.5', municipalities: [VANNAS] });
    const callerIn = (callId: string) => ({
      callId,
      channelId: callId,
      municipalityId: VANNAS,
      calledNumber: '+4693514100',
      caller: '+46701234567',
      reason: 'main-number' as const,
    });
    await t.queue.enqueue(callerIn('talked'));
    await t.queue.enqueue(callerIn('gave-up'));
    await t.queue.enqueue(callerIn('still-waiting'));
    const claimed = await t.queue.claimNext(anna.id);
    expect(claimed?.callId).toBe('talked');
    await t.queue.markAnswered('talked', claimed!.operatorChannelId!);
    await t.queue.finish('talked');
    await t.queue.finish('gave-up');

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const { status, body } = await get(
      `/api/v1/statistics/municipalities/${VANNAS}?from=${from}&to=${to}&groupBy=hour`,
    );
    expect(status).toBe(200);
    expect(body.total).toMatchObject({ offered: 2, answered: 1, abandoned: 1, answeredWithinServiceLevel: 1 });
    const operatorsView = await get(`/api/v1/statistics/operators?from=${from}&to=${to}`);
    expect(operatorsView.body.operators).toEqual([
      expect.objectContaining({ accountId: anna.accountId, name: 'Anna', offered: 1, answered: 1 }),
    ]);
  });

  it('counts a call for the municipality it arrived for, even after it moved to another’s queue', async () => {
    // Arrived for Vännäs, overflowed into Umeå's queue (the record names Umeå now), answered there.
    await store(
      ended('answered', {
        at: '2026-11-04T10:00:00+01:00',
        waitS: 50,
        talkS: 60,
        municipalityId: UMEA,
        operatorId: bo.id,
      }),
      { overflowFrom: VANNAS },
      VANNAS,
    );
    expect((await get(`/api/v1/statistics/municipalities/${VANNAS}?${NOVEMBER}`)).body.total).toMatchObject({
      offered: 1,
      answered: 1,
      talkSeconds: 60,
    });
    expect((await get(`/api/v1/statistics/municipalities/${UMEA}?${NOVEMBER}`)).body.total).toMatchObject({
      offered: 0,
    });
    const csv = parse(
      await (await getCsv(`/api/v1/statistics/municipalities/${VANNAS}/cost-split.csv?month=2026-11`)).text(),
      { columns: true },
    ) as { date: string; offered: string }[];
    expect(csv.find((r) => r.date === 'total')?.offered).toBe('1');
  });

  it('places a record by its own arrival when its index says later (a call-back, indexed at its booking)', async () => {
    const callback = ended('answered', {
      at: '2026-11-02T10:00:00+01:00',
      waitS: 1800,
      talkS: 60,
      operatorId: anna.id,
    });
    await store(callback);
    await ctx.redis.zAdd(ctx.k.callsByMunicipality(VANNAS), {
      score: Date.parse('2026-11-02T10:30:00+01:00'),
      value: callback.callId,
    });
    const sumOfPeriods = (body: Record<string, unknown>) =>
      (body.periods as { offered: number }[]).reduce((sum, p) => sum + p.offered, 0);

    const day = await get(`/api/v1/statistics/municipalities/${VANNAS}?from=2026-11-02&to=2026-11-03&groupBy=hour`);
    expect(day.body.total).toMatchObject({ offered: 1, answered: 1 });
    expect((day.body.periods as { start: string; offered: number }[]).find((p) => p.offered > 0)?.start).toBe(
      '2026-11-02T10:00:00+01:00',
    );
    // Its index lies in this range, its arrival does not: in neither the total nor any period.
    const later = await get(
      `/api/v1/statistics/municipalities/${VANNAS}?from=2026-11-02T10:15:00%2B01:00&to=2026-11-02T11:00:00%2B01:00&groupBy=hour`,
    );
    expect(later.body.total).toMatchObject({ offered: 0 });
    expect(sumOfPeriods(later.body)).toBe(0);
  });

  it('answers 404 for a municipality that is not a member', async () => {
    const { status, body } = await get(`/api/v1/statistics/municipalities/9999?${NOVEMBER}`);
    expect(status).toBe(404);
    expect(body.error?.code).toBe('municipality_not_found');
  });

  it.each([
    ['no range', '', ['query.from', 'query.to']],
    ['to before from', 'from=2026-11-02&to=2026-11-01', ['query.to']],
    ['to equal to from', 'from=2026-11-02&to=2026-11-02', ['query.to']],
    ['more than 366 days', 'from=2026-01-01&to=2027-01-03', ['query.to']],
    ['a local time without offset', 'from=2026-11-01T08:00:00&to=2026-11-02', ['query.from']],
    ['not a date', 'from=yesterday&to=2026-11-02', ['query.from']],
    ['an impossible date', 'from=2026-02-30&to=2026-03-02', ['query.from']],
    ['an unknown grouping', `${NOVEMBER}&groupBy=week`, ['query.groupBy']],
    ['an unknown field', `${NOVEMBER}&municipality=2460`, ['query.municipality']],
  ])('refuses %s with a 400 naming the field', async (_, query, fields) => {
    const { status, body } = await get(`/api/v1/statistics/municipalities/${VANNAS}?${query}`);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_request');
    expect(fieldsOf(body)).toEqual(fields);
  });

  it('accepts a range of exactly 366 days, and instants with an offset or Z', async () => {
    expect((await get(`/api/v1/statistics/municipalities/${VANNAS}?from=2026-01-01&to=2027-01-02`)).status).toBe(200);
    const { status, body } = await get(
      `/api/v1/statistics/municipalities/${VANNAS}?from=2026-11-02T08:00:00%2B01:00&to=2026-11-02T09:00:00Z&groupBy=hour`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ from: '2026-11-02T08:00:00+01:00', to: '2026-11-02T10:00:00+01:00' });
    expect((body.periods as unknown[]).length).toBe(2);
    // The same with the + left unencoded, as curl users write it.
    expect(
      (await get(`/api/v1/statistics/municipalities/${VANNAS}?from=2026-11-02T08:00:00+01:00&to=2026-11-02T09:00:00Z`))
        .body.from,
    ).toBe('2026-11-02T08:00:00+01:00');
  });
});

describe('GET /api/v1/statistics/operators', () => {
  it('gives each operator’s figures with their name, of one municipality or all', async () => {
    await storeNovember();
    const all = await get(`/api/v1/statistics/operators?${NOVEMBER}`);
    expect(all.status).toBe(200);
    expect(all.body.municipality).toBeNull();
    const byName = (body: typeof all.body) =>
      Object.fromEntries((body.operators as { name: string }[]).map((o) => [o.name, o]));
    // Anna: answered 10 s/120 s and 20 s/30 s in Vännäs, abandoned while ringing after 50 s.
    expect(byName(all.body).Anna).toMatchObject({
      accountId: anna.accountId,
      offered: 3,
      answered: 2,
      abandoned: 1,
      talkSeconds: 150,
      meanWaitSeconds: 15,
      p90WaitSeconds: 20,
    });
    // Bo: 40 s/60 s in Vännäs, 5 s/180 s in Umeå.
    expect(byName(all.body).Bo).toMatchObject({
      accountId: bo.accountId,
      offered: 2,
      answered: 2,
      answeredWithinServiceLevel: 1,
      talkSeconds: 240,
    });

    const umea = await get(`/api/v1/statistics/operators?${NOVEMBER}&municipality=${UMEA}`);
    expect(umea.body.municipality).toEqual({ id: UMEA, name: 'Umeå' });
    expect(umea.body.operators).toEqual([
      expect.objectContaining({ name: 'Bo', offered: 1, answered: 1, talkSeconds: 180 }),
    ]);
  });

  it('names operators by their account, never by token: a renewed token counts for the same account, operators without one together', async () => {
    await storeNovember();
    // Anna's token is renewed: she logged in with the old one while it was linked, then her account took the new one.
    await t.call('POST', '/api/v1/operator/session', {
      auth: anna.token,
      body: { phone: 'sip:anna@10.0.0.5', municipalities: [VANNAS] },
    });
    const renewed = await t.tokens.create({ name: 'Anna 2027', role: 'operator' }, localActor('test setup'));
    await t.admin.operatorAccounts.update(anna.accountId, 1, { tokenId: renewed.record.id }, localActor('test setup'));
    await store(
      ended('answered', { at: '2026-11-20T10:00:00+01:00', waitS: 30, talkS: 90, operatorId: renewed.record.id }),
    );
    // Two operators without an account.
    const [olle, siv] = [await operator('Olle', { account: false }), await operator('Siv', { account: false })];
    await store(ended('answered', { at: '2026-11-21T10:00:00+01:00', waitS: 8, talkS: 10, operatorId: olle.id }));
    await store(ended('abandoned', { at: '2026-11-22T10:00:00+01:00', waitS: 9, operatorId: siv.id }));

    const { status, body } = await get(`/api/v1/statistics/operators?${NOVEMBER}`);
    expect(status).toBe(200);
    expect(body.operators).toEqual([
      expect.objectContaining({ accountId: expect.any(String), offered: expect.any(Number) }),
      expect.objectContaining({ accountId: expect.any(String) }),
      expect.objectContaining({ accountId: null, name: null, offered: 2, answered: 1, abandoned: 1, talkSeconds: 10 }),
    ]);
    const annas = (body.operators as { accountId: string | null }[]).find((o) => o.accountId === anna.accountId);
    expect(annas).toMatchObject({ name: 'Anna', offered: 4, answered: 3, talkSeconds: 240 });
    for (const token of [anna, bo, olle, siv].map((o) => o.id).concat(renewed.record.id))
      expect(JSON.stringify(body)).not.toContain(token);
  });

  it('gives each operator’s figures per local day, as computed by hand, when asked', async () => {
    await storeNovember();
    const { status, body } = await get(`/api/v1/statistics/operators?${NOVEMBER}&groupBy=day`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.groupBy).toBe('day');
    type Period = {
      start: string;
      end: string;
      offered: number;
      answered: number;
      abandoned: number;
      talkSeconds: number;
      meanWaitSeconds: number | null;
      serviceLevel: number | null;
    };
    const byName = Object.fromEntries(
      (body.operators as { name: string; periods: Period[] }[]).map((o) => [o.name, o]),
    );
    const anna = byName.Anna!.periods;
    expect(anna).toHaveLength(30);
    expect(anna.every((p, i) => p.start === `2026-11-${String(i + 1).padStart(2, '0')}T00:00:00+01:00`)).toBe(true);
    const busy = (periods: Period[]) =>
      periods
        .filter((p) => p.offered > 0)
        .map((p) => [
          p.start.slice(0, 10),
          p.offered,
          p.answered,
          p.abandoned,
          p.talkSeconds,
          p.meanWaitSeconds,
          p.serviceLevel,
        ]);
    // Anna: 2 Nov answered after 10 s, 120 s talk; 3 Nov abandoned after 50 s while her phone
    // rang (service level 0 of 1); 30 Nov (23:30 local) answered after 20 s, 30 s talk.
    expect(busy(anna)).toEqual([
      ['2026-11-02', 1, 1, 0, 120, 10, 1],
      ['2026-11-03', 1, 0, 1, 0, null, 0],
      ['2026-11-30', 1, 1, 0, 30, 20, 1],
    ]);
    // Bo: 2 Nov in Vännäs 40 s/60 s (outside 30 s) and in Umeå 5 s/180 s: mean wait 22.5 s.
    expect(busy(byName.Bo!.periods)).toEqual([['2026-11-02', 2, 2, 0, 240, 22.5, 0.5]]);
  });

  it('gives one municipality’s calls per operator per local hour, every hour listed', async () => {
    await storeNovember();
    const { status, body } = await get(
      `/api/v1/statistics/operators?from=2026-11-02&to=2026-11-03&municipality=${VANNAS}&groupBy=hour`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    const operators = body.operators as {
      name: string;
      offered: number;
      periods: { start: string; offered: number; answered: number; talkSeconds: number }[];
    }[];
    expect(operators.map((o) => [o.name, o.offered, o.periods.length]).sort()).toEqual([
      ['Anna', 1, 24],
      ['Bo', 1, 24],
    ]);
    const busyHours = (name: string) =>
      operators
        .find((o) => o.name === name)!
        .periods.filter((p) => p.offered > 0)
        .map((p) => [p.start, p.answered, p.talkSeconds]);
    expect(busyHours('Anna')).toEqual([['2026-11-02T09:00:00+01:00', 1, 120]]);
    // Bo's Umeå call at 11:00 is not Vännäs's.
    expect(busyHours('Bo')).toEqual([['2026-11-02T09:00:00+01:00', 1, 60]]);
  });

  it('gives totals only without groupBy, and refuses an unknown grouping naming query.groupBy', async () => {
    await storeNovember();
    const { body } = await get(`/api/v1/statistics/operators?${NOVEMBER}`);
    expect(body.groupBy).toBeNull();
    expect((body.operators as { periods?: unknown }[]).every((o) => o.periods === undefined)).toBe(true);
    const refused = await get(`/api/v1/statistics/operators?${NOVEMBER}&groupBy=week`);
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused.body)).toEqual(['query.groupBy']);
  });

  it('refuses a municipality that is not a member with a 400 naming query.municipality', async () => {
    const { status, body } = await get(`/api/v1/statistics/operators?${NOVEMBER}&municipality=9999`);
    expect(status).toBe(400);
    expect(fieldsOf(body)).toEqual(['query.municipality']);
  });
});

describe('GET /api/v1/statistics/municipalities/{id}/cost-split.csv', () => {
  it('gives a CSV row per local day and a total, with the share of the region’s traffic', async () => {
    await storeNovember();
    const response = await getCsv(`/api/v1/statistics/municipalities/${VANNAS}/cost-split.csv?month=2026-11`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="cost-split-2460-2026-11.csv"');
    const text = await response.text();
    expect(text.split('\n')[0]).toBe(COST_SPLIT_COLUMNS.join(','));
    const rows = parse(text, { columns: true }) as Record<(typeof COST_SPLIT_COLUMNS)[number], string>[];
    expect(rows.map((r) => r.date)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`),
      'total',
    ]);
    expect(rows.every((r) => r.municipality_id === VANNAS && r.municipality === 'Vännäs')).toBe(true);
    const row = (date: string) => rows.find((r) => r.date === date);

    expect(row('2026-11-01')).toMatchObject({
      offered: '0',
      talk_minutes: '0.00',
      region_offered: '0',
      share_of_region_offered_percent: '',
      share_of_region_talk_percent: '',
    });
    // Vännäs 3 of the region's 4 calls, 180 of 360 talk seconds.
    expect(row('2026-11-02')).toEqual({
      municipality_id: VANNAS,
      municipality: 'Vännäs',
      date: '2026-11-02',
      offered: '3',
      answered: '2',
      abandoned: '1',
      abandoned_within_5s: '1',
      other_outcomes: '0',
      answered_within_service_level: '1',
      talk_minutes: '3.00',
      region_offered: '4',
      region_talk_minutes: '6.00',
      share_of_region_offered_percent: '75.00',
      share_of_region_talk_percent: '50.00',
    });
    // Only Umeå called that day: Vännäs's share is 0 %, and no one talked.
    expect(row('2026-11-10')).toMatchObject({
      offered: '0',
      region_offered: '1',
      share_of_region_offered_percent: '0.00',
      share_of_region_talk_percent: '',
    });
    // 5 of 7 calls, 210 of 390 talk seconds.
    expect(row('total')).toMatchObject({
      offered: '5',
      answered: '3',
      abandoned: '2',
      abandoned_within_5s: '1',
      answered_within_service_level: '2',
      talk_minutes: '3.50',
      region_offered: '7',
      region_talk_minutes: '6.50',
      share_of_region_offered_percent: '71.43',
      share_of_region_talk_percent: '53.85',
    });
  });

  it.each([['month=2026-13'], ['month=2026-1'], ['month=november'], ['']])(
    'refuses "%s" with a 400 naming query.month',
    async (query) => {
      const { status, body } = await get(`/api/v1/statistics/municipalities/${VANNAS}/cost-split.csv?${query}`);
      expect(status).toBe(400);
      expect(fieldsOf(body)).toEqual(['query.month']);
    },
  );
});

describe('access', () => {
  it('lets a municipality admin read their own municipality only', async () => {
    await storeNovember();
    const vannasAdmin = await t.tokenFor('municipality-admin', VANNAS);
    expect((await get(`/api/v1/statistics/municipalities/${VANNAS}?${NOVEMBER}`, vannasAdmin)).status).toBe(200);
    expect(
      (await getCsv(`/api/v1/statistics/municipalities/${VANNAS}/cost-split.csv?month=2026-11`, vannasAdmin)).status,
    ).toBe(200);

    for (const path of [
      `/api/v1/statistics/municipalities/${UMEA}?${NOVEMBER}`,
      `/api/v1/statistics/municipalities/${UMEA}/cost-split.csv?month=2026-11`,
      `/api/v1/statistics/operators?${NOVEMBER}&municipality=${UMEA}`,
    ]) {
      const { status, body } = await get(path, vannasAdmin);
      expect(status, path).toBe(403);
      expect(body.error?.code).toBe('other_municipality');
    }

    // Without a municipality, their operators' figures cover Vännäs's calls only (Bo's Umeå call left out).
    const { body } = await get(`/api/v1/statistics/operators?${NOVEMBER}`, vannasAdmin);
    expect(body.municipality).toEqual({ id: VANNAS, name: 'Vännäs' });
    const operators = body.operators as { name: string }[];
    expect(operators).toHaveLength(2);
    expect(operators).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Anna', offered: 3 }),
        expect.objectContaining({ name: 'Bo', offered: 1, talkSeconds: 60 }),
      ]),
    );
  });

  it('lets operators and auditors read every municipality', async () => {
    for (const token of [anna.token, await t.tokenFor('auditor')]) {
      expect((await get(`/api/v1/statistics/municipalities/${UMEA}?${NOVEMBER}`, token)).status).toBe(200);
      expect(
        (await getCsv(`/api/v1/statistics/municipalities/${UMEA}/cost-split.csv?month=2026-11`, token)).status,
      ).toBe(200);
    }
  });
});

describe('the API document', () => {
  it('describes the statistics endpoints', async () => {
    const doc = (await (await t.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    const path = '/api/v1/statistics/municipalities/{municipalityId}';
    expect(doc.paths[path]?.get?.parameters?.map((p) => p.name)).toEqual(['municipalityId', 'from', 'to', 'groupBy']);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/statistics/operators', `${path}/cost-split.csv`]),
    );
    expect(doc.paths['/api/v1/statistics/operators']?.get?.parameters?.map((p) => p.name)).toEqual([
      'from',
      'to',
      'municipality',
      'groupBy',
    ]);
  });
});
