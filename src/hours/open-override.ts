import { DateTime } from 'luxon';
import type { AdminStores } from '../admin/index.js';
import type { Principal } from '../auth/access.js';
import type { RegionConfig } from '../config/region-schema.js';
import { ZONE } from './swedish-calendar.js';

type OpeningHours = Pick<AdminStores['openingHours'], 'get' | 'update'>;

/** The override `npm start -- --open` sets: open, until this instant (local offset). */
export interface OpenOverride {
  state: 'open';
  until: string;
}

/**
 * Opens every member whatever its hours say, until `until`: the manual override IT staff set
 * with PATCH /api/v1/opening-hours/{id}, through the same store, so it is versioned, audited as
 * `actor`, and shown wherever overrides are (the API, the console's admin page, the routing
 * simulator). The lab's `npm start -- --open` uses it so that test calls reach the queue at any hour.
 */
export async function openEveryMember(
  hours: OpeningHours,
  region: Pick<RegionConfig, 'municipalities'>,
  actor: Principal,
  { hours: lasting = 12, now = new Date() }: { hours?: number; now?: Date } = {},
): Promise<OpenOverride> {
  const override: OpenOverride = {
    state: 'open',
    until: DateTime.fromJSDate(now, { zone: ZONE }).plus({ hours: lasting }).toISO({ suppressMilliseconds: true })!,
  };
  for (const { id } of region.municipalities) {
    const current = await hours.get(id);
    if (current) await hours.update(id, current.version, { override }, actor);
  }
  return override;
}

/**
 * Takes `override` away again where it is still the one set (an override IT staff changed
 * meanwhile is theirs and stays), audited as `actor`: when the lab stops, its members keep
 * their own hours.
 */
export async function endOpenOverride(
  hours: OpeningHours,
  region: Pick<RegionConfig, 'municipalities'>,
  override: OpenOverride,
  actor: Principal,
): Promise<void> {
  for (const { id } of region.municipalities) {
    const current = await hours.get(id);
    if (current?.doc.override?.state === override.state && current.doc.override.until === override.until)
      await hours.update(id, current.version, { override: null }, actor);
  }
}
