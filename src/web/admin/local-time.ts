/**
 * datetime-local fields hold a local time without offset (the browser's time zone, Europe/Stockholm
 * at the switchboard); the API wants an instant with its offset, so that a moment is never
 * ambiguous across DST.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-12-24T08:00" → "2026-12-24T08:00:00+01:00"; an empty or unreadable field is sent as it is, for the API to name. */
export function instantOf(local: string): string {
  const date = new Date(local);
  if (!local || Number.isNaN(date.getTime())) return local;
  const offset = -date.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:00${zone}`;
}

/** An instant as a datetime-local field's value, in the browser's time zone. */
export function localOf(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "2026-12-24 08:00" for people. */
export const localTime = (iso: string) =>
  new Date(iso).toLocaleString('sv-SE', { dateStyle: 'short', timeStyle: 'short' });
