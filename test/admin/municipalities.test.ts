import { beforeEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { UMEA, VANNAS, adminApp } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

describe('municipalities', () => {
  it('lists the seven members from the region config, numbers shown nationally, with links to what IT staff change', async () => {
    const { status, body } = await app.send('GET', '/api/v1/municipalities');
    expect(status).toBe(200);
    const members = body.municipalities as {
      id: string;
      name: string;
      mainNumbers: { display: string }[];
      links: Record<string, string>;
    }[];
    expect(members.map((m) => m.name)).toEqual([
      'Örnsköldsvik',
      'Nordmaling',
      'Bjurholm',
      'Vindeln',
      'Robertsfors',
      'Vännäs',
      'Umeå',
    ]);
    const vannas = members.find((m) => m.id === VANNAS)!;
    expect(vannas.mainNumbers[0]!.display).toBe('0935-141 00');
    expect(vannas.links.openingHours).toBe(`/api/v1/opening-hours/${VANNAS}`);
    expect((await app.send('GET', `/api/v1/municipalities/${VANNAS}`)).body).toEqual(vannas);
  });

  it('answers 404 for a kommunkod that is not a member, 400 for one that is not a kommunkod, and keeps a municipality admin to their own', async () => {
    expect((await app.send('GET', '/api/v1/municipalities/0114')).status).toBe(404);
    expect((await app.send('GET', '/api/v1/municipalities/umea')).body.error!.details).toEqual([
      { field: 'path.id', problem: 'must be a four-digit SCB kommunkod' },
    ]);
    const vannasAdmin = await app.t.tokenFor('municipality-admin', VANNAS);
    expect(
      (
        (await app.send('GET', '/api/v1/municipalities', { auth: vannasAdmin })).body.municipalities as { id: string }[]
      ).map((m) => m.id),
    ).toEqual([VANNAS]);
    expect((await app.send('GET', `/api/v1/municipalities/${UMEA}`, { auth: vannasAdmin })).status).toBe(403);
  });
});
