import { DateTime } from 'luxon';
import type { Absence } from '../../directory/entries/entry-schema.js';

const ZONE = 'Europe/Stockholm';

/** "Åsa Lind" + what: as the operator's hänvisning says it (web/labels.ts ABSENCE_TEXT), as a sentence. */
const IS: Record<Absence['reason'], string> = {
  meeting: 'är på möte',
  lunch: 'är på lunch',
  leave: 'är ledig',
  sick: 'är sjuk',
  travel: 'är på resa',
  other: 'är inte på plats',
};

/**
 * What a direct-dial caller hears of an absent person's hänvisning: "Åsa Lind är på möte till
 * 14.00", with the day when it is not today ("till måndag 7 december 14.00"). Swedish clock
 * times are written with a point, which espeak-ng reads as "fjorton och noll noll". The
 * hänvisning's free text is left out: it is written for the operator, not to be read aloud.
 */
export function absenceSentence(name: string, absence: Absence, now: number): string {
  if (!absence.until) return `${name} ${IS[absence.reason]}.`;
  const until = DateTime.fromISO(absence.until, { zone: ZONE }).setLocale('sv');
  const today = DateTime.fromMillis(now, { zone: ZONE }).hasSame(until, 'day');
  return `${name} ${IS[absence.reason]} till ${until.toFormat(today ? 'HH.mm' : 'cccc d MMMM HH.mm')}.`;
}
