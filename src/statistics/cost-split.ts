import { stringify } from 'csv-stringify/sync';
import type { CallRecord } from '../calls/call-record.js';
import { asText } from '../import/formula-cells.js';
import { type FigureOptions, type Figures, type Period, computeFigures, figuresByPeriod } from './compute.js';

/**
 * The monthly CSV a municipality's finance department splits the switchboard's shared cost by:
 * one row per local day of the month, then a row `total`. Comma-separated, decimal point,
 * UTF-8, a header row; the municipality is named on every row so that the seven files can be
 * concatenated. Columns (docs/decisions.md, "Statistics"):
 *
 * | column | what |
 * | --- | --- |
 * | municipality_id, municipality | SCB kommunkod and name |
 * | date | the local day (YYYY-MM-DD, Europe/Stockholm), or `total` |
 * | offered, answered, abandoned | ended calls enqueued that day, and their outcome |
 * | abandoned_within_5s | of abandoned, those that hung up within 5 s |
 * | other_outcomes | ended otherwise (closed, overflowed, ...): in offered, not in answered/abandoned |
 * | answered_within_service_level | answered within the municipality's serviceLevelSeconds |
 * | talk_minutes | operators' talk time on the municipality's calls, minutes, 2 decimals |
 * | region_offered, region_talk_minutes | the same for all member municipalities together |
 * | share_of_region_offered_percent, share_of_region_talk_percent | this municipality's share, 2 decimals; empty when the region had none |
 */
export const COST_SPLIT_COLUMNS = [
  'municipality_id',
  'municipality',
  'date',
  'offered',
  'answered',
  'abandoned',
  'abandoned_within_5s',
  'other_outcomes',
  'answered_within_service_level',
  'talk_minutes',
  'region_offered',
  'region_talk_minutes',
  'share_of_region_offered_percent',
  'share_of_region_talk_percent',
] as const;

export interface CostSplitInput {
  municipality: { id: string; name: string };
  /** The local days of the month. */
  days: readonly Period[];
  /** The municipality's ended calls of the month. */
  calls: readonly CallRecord[];
  /** Every member's ended calls of the month (the municipality's included). */
  regionCalls: readonly CallRecord[];
  /** The municipality's threshold; each call's own for the region. */
  options: FigureOptions;
  regionOptions: FigureOptions;
}

export function costSplitCsv({
  municipality,
  days,
  calls,
  regionCalls,
  options,
  regionOptions,
}: CostSplitInput): string {
  const own = figuresByPeriod(calls, days, options);
  const region = figuresByPeriod(regionCalls, days, regionOptions);
  const row = (date: string, f: Figures, r: Figures) => {
    const talkMinutes = f.talkSeconds / 60;
    const regionTalkMinutes = r.talkSeconds / 60;
    return [
      municipality.id,
      municipality.name,
      date,
      f.offered,
      f.answered,
      f.abandoned,
      f.shortAbandoned,
      Object.values(f.otherOutcomes).reduce((sum, n) => sum + n, 0),
      f.answeredWithinServiceLevel,
      talkMinutes.toFixed(2),
      r.offered,
      regionTalkMinutes.toFixed(2),
      percent(f.offered, r.offered),
      percent(talkMinutes, regionTalkMinutes),
    ];
  };
  const rows = own.map((day, i) => row(day.start.slice(0, 'YYYY-MM-DD'.length), day, region[i]!));
  rows.push(row('total', computeFigures(calls, options), computeFigures(regionCalls, regionOptions)));
  // Figures never start with a formula character, but names might (import/formula-cells.ts).
  return stringify(
    rows.map((cells) => cells.map((cell) => asText(String(cell)))),
    { header: true, columns: [...COST_SPLIT_COLUMNS] },
  );
}

const percent = (part: number, whole: number) => (whole === 0 ? '' : ((100 * part) / whole).toFixed(2));
