import { describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createOpeningStateReader } from '../../src/hours/opening-state.js';
import { openingSummary } from '../../src/hours/opening-summary.js';
import { endOpenOverride, openEveryMember } from '../../src/hours/open-override.js';
import { buildTestApp } from '../support/http-app.js';
import { UMEA, VANNAS } from '../support/municipalities.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();
const actor = localActor('npm start --open');

describe('npm start --open: every member open, by an audited manual override', () => {
  it('opens every member through the opening-hours store, shown by the API and the printout, audited', async () => {
    const app = await buildTestApp(ctx);
    const admin = await app.tokenFor('region-admin');
    // A Sunday night: every member closed by its hours.
    const now = new Date('2026-12-06T23:00:00+01:00');
    const { override } = await openEveryMember(app.admin.openingHours, app.region, actor, { now });
    expect(override).toEqual({ state: 'open', until: '2026-12-07T11:00:00+01:00' });

    // The API shows the override as IT staff would have set it, and the simulator routes to the queue by it.
    const hours = await app.call('GET', `/api/v1/opening-hours/${VANNAS}`, { auth: admin });
    expect(hours.body).toMatchObject({ version: 1, override });
    const simulated = await app.call(
      'GET',
      `/api/v1/routing/simulate?${new URLSearchParams({ number: '0935-141 00', at: now.toISOString() })}`,
      { auth: admin },
    );
    expect(simulated.body).toMatchObject({ meets: 'queue', opening: { open: true, rule: 'override' } });

    // Audited per municipality, as the npm start that set it.
    for (const { id } of app.region.municipalities) {
      const audit = await app.call('GET', `/api/v1/audit?municipality=${id}&objectType=opening-hours`, { auth: admin });
      expect(audit.body.entries).toEqual([
        expect.objectContaining({
          actor: expect.objectContaining({ name: 'npm start --open' }),
          after: expect.objectContaining({ override }),
        }),
      ]);
    }

    // The printout says every member is open by a manual override.
    const reader = createOpeningStateReader(app.admin);
    const members = await Promise.all(
      app.region.municipalities.map(async (m) => ({ name: m.name, state: await reader.openingStateAt(m.id, now) })),
    );
    const lines = openingSummary(members, now);
    expect(lines[0]).toContain(`${members.length} of ${members.length} members open`);
    expect(lines.filter((l) => l.includes('MANUAL OVERRIDE'))).toHaveLength(members.length);
  });

  it('takes its override away when the lab stops, but not one IT staff set meanwhile', async () => {
    const app = await buildTestApp(ctx);
    const staff = localActor('Umeå IT');
    // Umeå's hours were stored by its IT staff before; the others are config/region.yaml's (version 0).
    await app.admin.openingHours.update(UMEA, 0, { preHolidayClosesAt: '12:00' }, staff);
    const opened = await openEveryMember(app.admin.openingHours, app.region, actor);
    const closed = { state: 'closed' as const, until: '2030-01-01T00:00:00+01:00' };
    await app.admin.openingHours.update(VANNAS, 1, { override: closed }, staff);

    await endOpenOverride(app.admin.openingHours, app.region, opened, actor);
    for (const { id } of app.region.municipalities) {
      const { doc, version } = (await app.admin.openingHours.get(id))!;
      if (id === VANNAS) expect(doc.override).toEqual(closed);
      else expect(doc.override, id).toBeUndefined();
      // The config's hours again (version 0: a change of region.yaml counts), Umeå's own stored ones kept.
      expect(version, id).toBe(id === VANNAS ? 2 : id === UMEA ? 3 : 0);
    }
    expect((await app.admin.openingHours.get(UMEA))!.doc.preHolidayClosesAt).toBe('12:00');
  });
});
