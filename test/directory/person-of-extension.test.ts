import { beforeEach, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createPersonOfExtension } from '../../src/directory/entries/person-of-extension.js';
import { buildTestApp } from '../support/http-app.js';
import { VANNAS } from '../support/municipalities.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();
const setup = localActor('test setup');
let t: Awaited<ReturnType<typeof buildTestApp>>;

beforeEach(async () => {
  t = await buildTestApp(ctx);
});

const person = (id: string, givenName: string, extension?: string) =>
  t.entries.create(
    { kind: 'person', id, givenName, familyName: 'Berg', municipalityId: VANNAS, ...(extension ? { extension } : {}) },
    setup,
  );
const extension = (number: string, directoryEntryId?: string) =>
  t.admin.extensions.create(
    {
      extension: number,
      displayName: `Anknytning ${number}`,
      municipalityId: VANNAS,
      password: 'a good long password',
      ...(directoryEntryId ? { directoryEntryId } : {}),
    },
    setup,
  );

describe('the person an extension stands for', () => {
  it('is the entry the extension links to, even when another entry lists the number; else the entry listing it', async () => {
    const personOf = createPersonOfExtension({ extensions: t.admin.extensions, entries: t.entries });
    await person('person-anna', 'Anna');
    await person('person-bo', 'Bo', '2460123');
    const linked = await extension('2460123', 'person-anna');
    expect(await personOf('2460123')).toMatchObject({ extensionId: linked.id, entry: { id: 'person-anna' } });

    await person('person-cia', 'Cia', '2460124');
    const unlinked = await extension('2460124');
    expect(await personOf('2460124')).toMatchObject({ extensionId: unlinked.id, entry: { id: 'person-cia' } });

    // A number only the directory lists (no extension object): the entry, and no extension id.
    await person('person-dan', 'Dan', '2460125');
    const listedOnly = await personOf('2460125');
    expect(listedOnly.entry?.id).toBe('person-dan');
    expect(listedOnly.extensionId).toBeUndefined();

    expect(await personOf('2460999')).toEqual({});
  });
});
