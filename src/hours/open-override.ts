import { DateTime } from 'luxon';
import type { AdminStores } from '../admin/index.js';
import type { Principal } from '../auth/access.js';
import type { RegionConfig } from '../config/region-schema.js';
import { ZONE } from './swedish-calendar.js';

type OpeningHours = Pick<AdminStores['openingHours'], 'get' | 'update' | 'remove'>;

/** What `npm start -- --open` set: the override, and the members whose hours were still config/region.yaml's (version 0). */
export interface OpenOverride {
  override: { state: 'open'; until: string };
  seeded: string[];
}

/**
 * Opens every member whatever its hours say, for `hours` hours: the manual override IT staff set
 * with PATCH /api/v1/opening-hours/{id}, through the same store, so it is versioned, audited as
 * `actor`, and shown wherever overrides are (the API, the console's admin page, the routing
 * simulator). The lab's `npm start -- --open` uses it so that test calls reach the queue at any hour.
 */
export async function openEveryMember(
  store: OpeningHours,
  region: Pick<RegionConfig, 'municipalities'>,
  actor: Principal,
  { hours = 12, now = new Date() }: { hours?: number; now?: Date } = {},
): Promise<OpenOverride> {
  const until = DateTime.fromJSDate(now, { zone: ZONE }).plus({ hours }).startOf('minute');
  const override = {
    state: 'open' as const,
    until: until.toISO({ suppressMilliseconds: true })!,
  };
  const seeded: string[] = [];
  for (const { id } of region.municipalities) {
    const current = await store.get(id);
    if (!current) continue;
    if (current.version === 0) seeded.push(id);
    await store.update(id, current.version, { override }, actor);
  }
  return { override, seeded };
}

/**
 * Takes the override away again where it is still the one set (an override IT staff changed
 * meanwhile is theirs and stays), audited as `actor`: a member whose hours were the config's
 * gets them back (the stored copy deleted, so a later change of config/region.yaml counts
 * again), the others lose the override only. So when the lab stops, its members keep their own hours.
 */
export async function endOpenOverride(
  store: OpeningHours,
  region: Pick<RegionConfig, 'municipalities'>,
  { override, seeded }: OpenOverride,
  actor: Principal,
): Promise<void> {
  for (const { id } of region.municipalities) {
    const current = await store.get(id);
    if (current?.doc.override?.state !== override.state || current.doc.override.until !== override.until) continue;
    // Only the override was changed since it was set (the version it made): then the stored copy is the config's.
    if (seeded.includes(id) && current.version === 1) await store.remove(id, current.version, actor);
    else await store.update(id, current.version, { override: null }, actor);
  }
}
