import { describe, expect, it } from 'vitest';
import { absenceSentence } from '../../src/media/arrival/absence-sentence.js';

const monday10 = Date.parse('2026-12-07T10:00:00+01:00');

describe('the sentence a direct-dial caller hears of a hänvisning', () => {
  it('says the time alone when it is today, in Swedish local time', () => {
    expect(absenceSentence('Åsa Lind', { reason: 'meeting', until: '2026-12-07T13:00:00Z' }, monday10)).toBe(
      'Åsa Lind är på möte till 14.00.',
    );
  });

  it('says the day when it is not today, and nothing of an until when there is none', () => {
    expect(absenceSentence('Åsa Lind', { reason: 'leave', until: '2026-12-14T08:00:00+01:00' }, monday10)).toBe(
      'Åsa Lind är ledig till måndag 14 december 08.00.',
    );
    expect(absenceSentence('Bo Berg', { reason: 'sick', text: 'Ring mobilen' }, monday10)).toBe('Bo Berg är sjuk.');
  });
});
