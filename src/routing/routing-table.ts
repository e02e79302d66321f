import type { RegionConfig } from '../config/region-schema.js';
import { e164Digits } from '../numbers/phone-number.js';
import type { DirectDialRange, RouteTarget } from './route-target.js';

/** Every routable number of the region, derived from the config; the directory store persists it. */
export interface RoutingTable {
  exact: Map<string, RouteTarget>;
  directDialRanges: DirectDialRange[];
}

export function buildRoutingTable(region: RegionConfig): RoutingTable {
  const exact = new Map<string, RouteTarget>();
  for (const number of region.region.regionalNumbers) {
    exact.set(number, { kind: 'regional-number', municipalityId: region.region.defaultMunicipality });
  }
  const directDialRanges: DirectDialRange[] = [];
  for (const m of region.municipalities) {
    for (const number of m.mainNumbers) exact.set(number, { kind: 'main-number', municipalityId: m.id });
    for (const range of m.directDialRanges) directDialRanges.push({ ...range, municipalityId: m.id });
  }
  return { exact, directDialRanges };
}

/** Looks numbers up in a table held in memory: the reference the Redis directory must agree with. */
export function tableLookup(table: RoutingTable): (e164: string) => Promise<RouteTarget | undefined> {
  return async (e164) => {
    const exact = table.exact.get(e164);
    if (exact) return exact;
    const digits = e164Digits(e164);
    const range = table.directDialRanges.find(
      (r) => r.from.length === e164.length && e164Digits(r.from) <= digits && digits <= e164Digits(r.to),
    );
    return range && { kind: 'direct-dial', municipalityId: range.municipalityId };
  };
}
