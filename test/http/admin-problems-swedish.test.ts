import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/web/api.js';
import { fieldProblemsOf, swedishError, swedishProblem } from '../../src/web/admin/problems.js';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';

/**
 * The admin console shows the API's refusals in Swedish through a phrasebook of the API's
 * English problems (src/web/admin/problems.ts). These are the refusals its forms can meet, made
 * by the real API: a problem whose wording changed on the server shows up here as untranslated.
 */

const ctx = useRedis();
let t: Awaited<ReturnType<typeof buildTestApp>>;
let admin: string;

beforeEach(async () => {
  t = await buildTestApp(ctx);
  admin = await t.tokenFor('municipality-admin', '2460');
});

/** The refusal as the console holds it, after checking that every part of it reads in Swedish. */
async function refusal(method: string, path: string, body?: unknown, version?: number) {
  const response = await t.call(method, path, {
    auth: admin,
    body,
    headers: version === undefined ? {} : { 'if-match': `"${version}"` },
  });
  expect(response.status, JSON.stringify(response.body)).toBeGreaterThanOrEqual(400);
  const error = new ApiError(
    response.status,
    response.body.error!.code,
    response.body.error!.message,
    response.body.error!.details,
  );
  const problems = fieldProblemsOf(error);
  for (const p of problems) expect(swedishProblem(p.problem), p.problem).not.toMatch(/^Växeln svarade/);
  expect(swedishError(error)).not.toMatch(/Växeln svarade/);
  return {
    status: response.status,
    problems: problems.map((p) => swedishProblem(p.problem)),
    text: swedishError(error),
  };
}

const created = async (path: string, body: unknown) => {
  const response = await t.call('POST', path, { auth: admin, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; version: number };
};

describe('the API’s refusals on the admin forms, in Swedish', () => {
  it('directory entries: empty, too long, bad extension, e-mail and numbers; an extension another entry has', async () => {
    const bad = await refusal('POST', '/api/v1/directory/entries', {
      kind: 'person',
      municipalityId: '2460',
      givenName: '',
      familyName: 'x'.repeat(61),
      extension: '24x',
      email: 'inte-en-adress',
      phoneNumbers: ['12', 'abc'],
    });
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        'måste fyllas i',
        'får vara högst 60 tecken',
        'ska vara 2–8 siffror',
        'är ingen e-postadress',
        '”12” är inget giltigt telefonnummer',
      ]),
    );
    await created('/api/v1/directory/entries', {
      kind: 'person',
      municipalityId: '2460',
      givenName: 'Karin',
      familyName: 'Lind',
      extension: '2460100',
    });
    const taken = await refusal('POST', '/api/v1/directory/entries', {
      kind: 'function',
      municipalityId: '2460',
      name: 'Bygglov',
      extension: '2460100',
    });
    expect(taken.problems).toEqual([
      expect.stringMatching(/^anknytning 2460100 används redan av Karin Lind \(Vännäs\)$/),
    ]);
    const absence = await refusal(
      'PUT',
      `/api/v1/directory/entries/${(await created('/api/v1/directory/entries', { kind: 'department', municipalityId: '2460', name: 'Plan' })).id}/absence`,
      { reason: 'meeting', until: '14:00' },
    );
    expect(absence.problems).toEqual(['måste vara ett datum med klockslag']);
  });

  it('extensions: out of range, short password, a taken number, a new number without password, and one a number points at', async () => {
    const bad = await refusal('POST', '/api/v1/extensions', {
      municipalityId: '2460',
      extension: '2480100',
      displayName: '',
      password: 'kort',
      directNumber: '090-16 10 01',
    });
    expect(bad.problems).toEqual(expect.arrayContaining(['måste fyllas i', 'måste vara minst 12 tecken']));
    const ranges = await refusal('POST', '/api/v1/extensions', {
      municipalityId: '2460',
      extension: '2480100',
      displayName: 'X',
      password: 'långt-lösenord-1',
      directNumber: '090-16 10 01',
    });
    expect(ranges.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^2480100 ligger inte i Vännäs anknytningsserier/),
        expect.stringMatching(/^090-16 10 01 ligger inte i Vännäs direktnummerserier/),
      ]),
    );
    const karin = await created('/api/v1/extensions', {
      municipalityId: '2460',
      extension: '2460100',
      displayName: 'Karin Lind',
      password: 'långt-lösenord-1',
    });
    const taken = await refusal('POST', '/api/v1/extensions', {
      municipalityId: '2460',
      extension: '2460100',
      displayName: 'Per Ek',
      password: 'långt-lösenord-2',
    });
    expect(taken.problems).toEqual([
      expect.stringMatching(/^anknytning 2460100 används redan av anknytning 2460100 \(Karin Lind\)/),
    ]);
    const renumbered = await refusal(
      'PATCH',
      `/api/v1/extensions/${karin.id}`,
      { extension: '2460101' },
      karin.version,
    );
    expect(renumbered.problems).toEqual([expect.stringMatching(/^behövs när anknytningens nummer ändras/)]);
    await created('/api/v1/numbers', {
      municipalityId: '2460',
      number: '0935-141 50',
      target: { kind: 'extension', extension: '2460100' },
    });
    const inUse = await refusal('DELETE', `/api/v1/extensions/${karin.id}`, undefined, karin.version);
    expect(inUse.text).toMatch(/^anknytning 2460100 \(Karin Lind\) kan inte tas bort så länge /);
    const stale = await refusal('DELETE', `/api/v1/extensions/${karin.id}`, undefined, karin.version + 5);
    expect(stale.text).toMatch(/^Någon annan har ändrat det/);
  });

  it('another municipality’s values, a linked entry and a reserved id', async () => {
    const umea = await t.tokenFor('municipality-admin', '2480');
    const created2480 = await t.call('POST', '/api/v1/extensions', {
      auth: umea,
      body: { municipalityId: '2480', extension: '2480100', displayName: 'Per Ek', password: 'långt-lösenord-3' },
    });
    expect(created2480.status).toBe(201);
    const theirs = await refusal('POST', '/api/v1/directory/entries', {
      kind: 'person',
      municipalityId: '2460',
      givenName: 'Karin',
      familyName: 'Lind',
      extension: '2480100',
    });
    expect(theirs.problems).toEqual([
      expect.stringMatching(/^anknytning 2480100 används redan av anknytning 2480100 \(Per Ek\) i Umeå$/),
    ]);
    const ranges = await refusal('POST', '/api/v1/directory/entries', {
      kind: 'person',
      municipalityId: '2460',
      givenName: 'Karin',
      familyName: 'Lind',
      extension: '2480101',
    });
    expect(ranges.problems).toEqual([expect.stringMatching(/^anknytning 2480101 ligger i Umeås anknytningsserier$/)]);
    const entry = await created('/api/v1/directory/entries', {
      kind: 'person',
      municipalityId: '2460',
      givenName: 'Karin',
      familyName: 'Lind',
      extension: '2460100',
    });
    await created('/api/v1/extensions', {
      municipalityId: '2460',
      extension: '2460100',
      displayName: 'Karin Lind',
      password: 'långt-lösenord-1',
      directoryEntryId: entry.id,
    });
    const linked = await refusal('DELETE', `/api/v1/directory/entries/${entry.id}`, undefined, entry.version);
    expect(linked.text).toMatch(/kan inte tas bort så länge anknytning 2460100 .*är kopplad till den/);
    const reserved = await refusal('POST', '/api/v1/directory/entries', {
      id: 'export',
      kind: 'department',
      municipalityId: '2460',
      name: 'Plan',
    });
    expect(reserved.problems).toEqual(['är upptaget av växeln: välj ett annat id']);
  });

  it('opening hours, the override and exceptions', async () => {
    const weekly = await refusal(
      'PATCH',
      '/api/v1/opening-hours/2460',
      { weekly: { monday: ['8-16'], tuesday: ['08:00-12:00', '11:00-13:00'], wednesday: ['16:00-08:00'] } },
      0,
    );
    expect(weekly.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ska skrivas som 08:00-16:30/),
        'överlappar 08:00-12:00',
        'måste öppna innan det stänger',
      ]),
    );
    const override = await refusal(
      'PATCH',
      '/api/v1/opening-hours/2460',
      { override: { state: 'closed', until: '' } },
      0,
    );
    expect(override.problems).toEqual(['måste vara ett datum med klockslag']);
    const open = await refusal('POST', '/api/v1/opening-hours-exceptions', {
      municipalityId: '2460',
      start: '2026-12-28T10:00:00+01:00',
      end: '2026-12-28T08:00:00+01:00',
      kind: 'open',
      reason: '',
    });
    expect(open.problems).toEqual(expect.arrayContaining(['måste fyllas i']));
    const order = await refusal('POST', '/api/v1/opening-hours-exceptions', {
      municipalityId: '2460',
      start: '2026-12-28T10:00:00+01:00',
      end: '2026-12-28T08:00:00+01:00',
      kind: 'open',
      reason: 'Personaldag',
    });
    expect(order.problems).toEqual(
      expect.arrayContaining(['måste vara efter början', 'måste anges när det är öppet eller begränsade tider']),
    );
    const closed = await refusal('POST', '/api/v1/opening-hours-exceptions', {
      municipalityId: '2460',
      start: '',
      end: '2026-12-28T08:00:00+01:00',
      kind: 'closed',
      hours: ['10:00-12:00'],
      reason: 'Personaldag',
    });
    expect(closed.problems).toEqual(expect.arrayContaining(['måste vara ett datum med klockslag']));
    const closedWithHours = await refusal('POST', '/api/v1/opening-hours-exceptions', {
      municipalityId: '2460',
      start: '2026-12-28T08:00:00+01:00',
      end: '2026-12-28T18:00:00+01:00',
      kind: 'closed',
      hours: ['10:00-12:00'],
      reason: 'Personaldag',
    });
    expect(closedWithHours.problems).toEqual(['ska inte anges när det är stängt']);
  });
});
