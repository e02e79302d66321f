import { DateTime } from 'luxon';
import type { OpeningState } from './opening-state.js';
import { ZONE } from './swedish-calendar.js';

/** A member and its opening state now (hours/opening-state.ts). */
export interface MemberOpening {
  name: string;
  state: OpeningState;
}

/** An instant as the person at the keyboard reads it: "today 16:30", "Mon 28 Dec 08:00". */
function when(iso: string, now: DateTime): string {
  const at = DateTime.fromISO(iso, { zone: ZONE });
  if (at.hasSame(now, 'day')) return `today ${at.toFormat('HH:mm')}`;
  if (at.hasSame(now.plus({ days: 1 }), 'day')) return `tomorrow ${at.toFormat('HH:mm')}`;
  return at.setLocale('en-GB').toFormat('ccc d LLL HH:mm');
}

/**
 * What `npm start` prints about opening hours: for each member whether it is open now, until
 * when or when it opens next, and why (a manual override named as such), so a first call
 * outside office hours that hears "Växeln är stängd" is expected rather than mysterious.
 */
export function openingSummary(members: readonly MemberOpening[], at: Date): string[] {
  const now = DateTime.fromJSDate(at, { zone: ZONE });
  const width = Math.max(...members.map((m) => m.name.length));
  const lines = members.map(({ name, state }) => {
    const next = state.changesAt
      ? `${state.open ? 'closes' : 'opens'} ${when(state.changesAt, now)}`
      : state.open
        ? 'open for the next 14 days'
        : 'does not open within 14 days';
    const override = state.rule === 'override' ? 'MANUAL OVERRIDE: ' : '';
    return `  ${name.padEnd(width)}  ${state.open ? 'open  ' : 'closed'}  ${next.padEnd(22)}  ${override}${state.why}`;
  });
  const open = members.filter((m) => m.state.open).length;
  return [
    `Opening hours at ${now.setLocale('en-GB').toFormat('ccc d LLL yyyy HH:mm')} (${ZONE}): ${open} of ${members.length} members open.`,
    ...lines,
    ...(open < members.length
      ? [
          '  Calls to a closed member hear the closed message. `npm start -- --open` opens every member (an audited override).',
        ]
      : []),
  ];
}
