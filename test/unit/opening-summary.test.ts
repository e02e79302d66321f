import { describe, expect, it } from 'vitest';
import { type OpeningSettings, openingState } from '../../src/hours/opening-state.js';
import { openingSummary } from '../../src/hours/opening-summary.js';
import { CLOSABLE_EVES } from '../../src/hours/swedish-calendar.js';

const office = ['08:00-16:30'];
const weekdaysOnly: OpeningSettings['weekly'] = {
  monday: office,
  tuesday: office,
  wednesday: office,
  thursday: office,
  friday: ['08:00-16:00'],
  saturday: [],
  sunday: [],
};
const settings = (more: Partial<OpeningSettings> = {}): OpeningSettings => ({
  weekly: weekdaysOnly,
  closedEves: CLOSABLE_EVES,
  exceptions: [],
  ...more,
});

/** The printout for members with these settings at `iso`, each state worked out as the switchboard does. */
function printout(iso: string, members: Record<string, OpeningSettings>) {
  const at = new Date(iso);
  return openingSummary(
    Object.entries(members).map(([name, s]) => ({ name, state: openingState(s, at) })),
    at,
  );
}

const line = (lines: string[], name: string) => lines.find((l) => l.trimStart().startsWith(name))!;

describe('what npm start prints about opening hours', () => {
  it('says at 17:30 on a Friday who is open, until when, and when the closed ones open', () => {
    const lines = printout('2026-12-04T17:30:00+01:00', {
      Vännäs: settings(),
      Umeå: settings({ weekly: { ...weekdaysOnly, friday: ['08:00-20:00'] } }),
    });
    expect(lines[0]).toBe('Opening hours at Fri 4 Dec 2026 17:30 (Europe/Stockholm): 1 of 2 members open.');
    expect(line(lines, 'Vännäs')).toMatch(
      /closed\s+opens Mon 7 Dec 08:00\s+closed: outside friday’s hours \(08:00-16:00\)/,
    );
    expect(line(lines, 'Umeå')).toMatch(/open\s+closes today 20:00\s+open: friday’s hours are 08:00-20:00/);
    // Someone is closed: the way to open them is said.
    expect(lines.at(-1)).toContain('npm start -- --open');
  });

  it('names the holiday and looks past the Christmas days for the next opening', () => {
    const lines = printout('2026-12-24T10:00:00+01:00', { Bjurholm: settings() });
    // Julafton (Thursday) closed, juldagen and annandag jul public holidays, then the weekend.
    expect(line(lines, 'Bjurholm')).toMatch(/closed\s+opens Mon 28 Dec 08:00\s+closed on julafton/);
    const christmasDay = printout('2026-12-25T10:00:00+01:00', { Bjurholm: settings() });
    expect(line(christmasDay, 'Bjurholm')).toMatch(/closed\s+opens Mon 28 Dec 08:00\s+juldagen is a public holiday/);
  });

  it('shows a manual override as one, and leaves the hint out when every member is open', () => {
    const lines = printout('2026-12-04T17:30:00+01:00', {
      Nordmaling: settings({ override: { state: 'open', until: '2026-12-05T05:30:00+01:00' } }),
    });
    expect(line(lines, 'Nordmaling')).toMatch(
      /open\s+closes tomorrow 05:30\s+MANUAL OVERRIDE: manually set open until 2026-12-05T05:30:00\+01:00/,
    );
    expect(lines.join('\n')).not.toContain('--open');
  });
});
