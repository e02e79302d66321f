import type { ControlledCallView } from '../http/routes/call-control.js';
import type { DirectoryEntryView } from '../http/routes/directory.js';
import type { OperatorSessionView } from '../http/routes/operator.js';

/** Swedish words for the API's codes; typed by the API's own enums, so a new code must be named here. */

export const PAUSE_REASON_TEXT: Record<NonNullable<OperatorSessionView['pauseReason']>, string> = {
  break: 'Rast',
  lunch: 'Lunch',
  meeting: 'Möte',
  training: 'Utbildning',
  'admin-work': 'Administration',
  'technical-problem': 'Tekniskt problem',
  other: 'Annat',
};

export const OPERATOR_STATE_TEXT: Record<OperatorSessionView['state'], string> = {
  available: 'Redo',
  connecting: 'Telefonen ringer',
  'on-call': 'I samtal',
  'wrap-up': 'Efterarbete',
  paused: 'Paus',
};

export const ABSENCE_TEXT: Record<NonNullable<DirectoryEntryView['absence']>['reason'], string> = {
  meeting: 'Möte',
  lunch: 'Lunch',
  leave: 'Ledig',
  sick: 'Sjuk',
  travel: 'Resa',
  other: 'Borta',
};

export const ENTRY_KIND_TEXT: Record<DirectoryEntryView['kind'], string> = {
  person: 'Person',
  department: 'Avdelning',
  function: 'Funktion',
};

export const CONTROL_TEXT: Record<NonNullable<ControlledCallView['control']>, string> = {
  held: 'I vänteläge – den som ringer hör musik',
  transferring: 'Kopplas – anknytningen ringer',
  consulting: 'Ringer upp mottagaren',
  consulted: 'Du talar med mottagaren; den som ringer väntar',
  transferred: 'Kopplat',
  parked: 'Parkerat',
};

/** "Möte till 14:00 – Sammanträde" for a hänvisning. */
export function absenceText(absence: DirectoryEntryView['absence']): string | undefined {
  if (!absence) return undefined;
  const until = absence.until
    ? ` till ${new Date(absence.until).toLocaleString('sv-SE', { weekday: 'short', hour: '2-digit', minute: '2-digit' })}`
    : '';
  return `${ABSENCE_TEXT[absence.reason]}${until}${absence.text ? ` – ${absence.text}` : ''}`;
}
