import { beforeEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { VANNAS, adminApp, snapshot } from './support.js';

const ctx = useRedis();
let app: Awaited<ReturnType<typeof adminApp>>;

beforeEach(async () => {
  app = await adminApp(ctx);
});

const path = `/api/v1/queue-policies/${VANNAS}`;
/** The fields a 400 names. */
const fields = (answer: { body: { error?: { details?: { field: string }[] } } }) =>
  answer.body.error?.details?.map((d) => d.field);

describe('/api/v1/queue-policies: priority classes', () => {
  it('keeps the priority classes in the queue policy: changed with the rest, numbers stored as E.164, audited', async () => {
    const seeded = await app.send('GET', path);
    expect(seeded.body).toMatchObject({ version: 0, municipalityId: VANNAS, announceEverySeconds: 45 });
    expect(seeded.body.priorityClasses).toBeUndefined();

    const classes = [
      { name: 'member', boostSeconds: 120, memberNumbers: true },
      { name: 'listed', boostSeconds: 60, numbers: ['070-123 45 67'] },
    ];
    const changed = await app.send('PATCH', path, { body: { priorityClasses: classes }, ifMatch: '"0"' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const stored = [
      { name: 'member', boostSeconds: 120, memberNumbers: true, numbers: [] },
      { name: 'listed', boostSeconds: 60, memberNumbers: false, numbers: ['+46701234567'] },
    ];
    expect(changed.body).toMatchObject({ version: 1, priorityClasses: stored });

    // Changing another field of the policy keeps them; null removes them.
    const maxWait = { seconds: 300, overflow: { kind: 'callback' } };
    const other = await app.send('PATCH', path, { body: { maxWait }, ifMatch: '"1"' });
    expect(other.body).toMatchObject({ version: 2, maxWait, priorityClasses: stored });
    const removed = await app.send('PATCH', path, { body: { priorityClasses: null }, ifMatch: '"2"' });
    expect(removed.body).toMatchObject({ version: 3, maxWait });
    expect(removed.body.priorityClasses).toBeUndefined();

    const entries = (
      await app.send('GET', `/api/v1/audit?municipality=${VANNAS}&objectType=queue-policy&objectId=${VANNAS}`)
    ).body.entries as { action: string; after?: object }[];
    expect(entries.map((e) => e.action)).toEqual(['update', 'update', 'create']);
    expect(entries[2]!.after).toMatchObject({ version: 1, priorityClasses: stored });
  });

  it('refuses classes that are not well formed with a 400 naming the field, and changes nothing', async () => {
    const before = await snapshot(ctx);
    for (const [priorityClasses, field] of [
      [[{ name: 'nobody', boostSeconds: 60 }], 'body.priorityClasses[0].numbers'],
      [[{ name: 'Listed', boostSeconds: 60, memberNumbers: true }], 'body.priorityClasses[0].name'],
      [[{ name: 'slow', boostSeconds: 0, memberNumbers: true }], 'body.priorityClasses[0].boostSeconds'],
      [[{ name: 'long', boostSeconds: 3601, memberNumbers: true }], 'body.priorityClasses[0].boostSeconds'],
      [[{ name: 'listed', boostSeconds: 60, numbers: ['0935-12'] }], 'body.priorityClasses[0].numbers[0]'],
      [
        [
          { name: 'a', boostSeconds: 60, memberNumbers: true },
          { name: 'a', boostSeconds: 30, memberNumbers: true },
        ],
        'body.priorityClasses',
      ],
      [[{ name: 'a', boostSeconds: 60, memberNumbers: true, colour: 'gold' }], 'body.priorityClasses[0].colour'],
      ['member', 'body.priorityClasses'],
    ] as const) {
      const answer = await app.send('PATCH', path, { body: { priorityClasses }, ifMatch: '"0"' });
      expect(answer.status, JSON.stringify(priorityClasses)).toBe(400);
      expect(fields(answer), JSON.stringify(answer.body)).toContain(field);
    }
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('documents the classes in the OpenAPI document as part of the queue policy', async () => {
    const doc = (await (await app.t.app.request('/api/openapi.json')).json()) as {
      components: {
        schemas: Record<
          string,
          { properties: Record<string, { description?: string; items?: { required?: string[] } }> }
        >;
      };
    };
    const property = doc.components.schemas.NewQueuePolicy!.properties.priorityClasses!;
    expect(property.description).toMatch(/first class that matches/);
    expect(property.items?.required).toEqual(['name', 'boostSeconds']);
  });
});
