import { describe, expect, it } from 'vitest';
import { buildSearchIndex } from '../../src/directory/entries/search-index.js';
import { indexedDigits, parseQuery } from '../../src/directory/entries/search-terms.js';
import { entries, ORNSKOLDSVIK, person, UMEA, unit, VANNAS } from './support.js';

const names = (hits: { entry: { name: string } }[]) => hits.map((hit) => hit.entry.name);

const region = entries(
  person('Anna', 'Andersson', UMEA, {
    title: 'Socialsekreterare',
    department: 'Socialtjänsten',
    keywords: ['försörjningsstöd'],
    extension: '2480100',
    phoneNumbers: ['090-16 11 00'],
  }),
  person('Lars', 'Andersson', VANNAS, {
    title: 'Bygglovshandläggare',
    keywords: ['bygglov'],
    extension: '2460100',
    phoneNumbers: ['0935-141 23', '070-123 45 67'],
  }),
  person('Åsa', 'Öberg', ORNSKOLDSVIK, { keywords: ['färdtjänst'], extension: '2284100' }),
  person('Björn', 'Zackrisson', UMEA, { department: 'Tekniska förvaltningen', extension: '2480200' }),
  person('Asa', 'Berg', VANNAS),
  unit('function', 'Färdtjänst', UMEA, { keywords: ['riksfärdtjänst', 'parkeringstillstånd'], extension: '2480300' }),
  unit('department', 'Turistbyrån Örnsköldsvik', ORNSKOLDSVIK),
  person('Eva', 'Andersson', ORNSKOLDSVIK),
  person('Per', 'Ödman', UMEA),
  person('Karl', 'Zetterberg', UMEA),
  person('Olle', 'Åberg', UMEA),
  person('Nils', 'Ärlig', UMEA),
);
const index = await buildSearchIndex(region);

describe('search: what operators type', () => {
  it('ignores diacritics both ways', async () => {
    expect(names(index.search('ornskoldsvik'))).toEqual(['Turistbyrån Örnsköldsvik']);
    expect(names(index.search('bjorn'))).toEqual(['Björn Zackrisson']);
    expect(names(index.search('asa'))).toEqual(['Asa Berg', 'Åsa Öberg']);
    expect(names(index.search('ÅSA'))).toEqual(['Asa Berg', 'Åsa Öberg']);
  });

  it('finds by prefix of a name, keyword, title or department', async () => {
    expect(names(index.search('bygg'))).toEqual(['Lars Andersson']);
    expect(names(index.search('ander'))).toEqual(['Anna Andersson', 'Eva Andersson', 'Lars Andersson']);
    expect(names(index.search('tekn'))).toEqual(['Björn Zackrisson']);
    expect(names(index.search('socialsek'))).toEqual(['Anna Andersson']);
  });

  it('forgives typos in longer words, but not in short ones', async () => {
    expect(names(index.search('färdjänst'))).toEqual(['Färdtjänst', 'Åsa Öberg']);
    expect(names(index.search('Anderson'))).toEqual(['Anna Andersson', 'Eva Andersson', 'Lars Andersson']);
    expect(names(index.search('anderson')).every((name) => name.endsWith('Andersson'))).toBe(true);
    expect(names(index.search('per'))).toEqual(['Per Ödman']);
  });

  it('needs every word to match, in any field and any order', async () => {
    expect(names(index.search('anna andersson'))).toEqual(['Anna Andersson']);
    expect(names(index.search('andersson lars'))).toEqual(['Lars Andersson']);
    expect(names(index.search('andersson bygglov'))).toEqual(['Lars Andersson']);
    expect(index.search('anna zackrisson')).toEqual([]);
  });

  it('finds numbers and extensions however they are written, and by prefix', async () => {
    for (const query of ['0935-141 23', '093514123', '+4693514123', '+46 (0)935 141 23', '0046 935 14123', '0935-14']) {
      expect(names(index.search(query)), query).toEqual(['Lars Andersson']);
    }
    expect(names(index.search('070-123 45 67'))).toEqual(['Lars Andersson']);
    expect(names(index.search('2480100'))).toEqual(['Anna Andersson']);
    expect(names(index.search('24802'))).toEqual(['Björn Zackrisson']);
    expect(names(index.search('248'))).toEqual(['Anna Andersson', 'Färdtjänst', 'Björn Zackrisson']);
    // A number one digit off is somebody else's: no typos in digits.
    expect(index.search('093514124')).toEqual([]);
  });

  it('limits to the municipalities asked for', async () => {
    expect(names(index.search('andersson', { municipalities: [VANNAS, ORNSKOLDSVIK] }))).toEqual([
      'Eva Andersson',
      'Lars Andersson',
    ]);
    expect(names(index.search('andersson', { municipalities: [] }))).toHaveLength(3);
    expect(index.search('andersson', { municipalities: ['9999'] })).toEqual([]);
  });

  it('finds nothing for nothing, and never throws on odd input', async () => {
    for (const query of [
      '',
      '   ',
      '---',
      '+',
      '()',
      '*',
      '\u0000',
      '🙂',
      'a'.repeat(10_000),
      '%s%n',
      '.*',
      '\\',
      '\ud800',
    ]) {
      expect(() => index.search(query), JSON.stringify(query.slice(0, 20))).not.toThrow();
    }
    expect(index.search('')).toEqual([]);
    expect(index.search('  \t ')).toEqual([]);
    expect(index.search(undefined as never)).toEqual([]);
    expect(index.search(42 as never)).toEqual([]);
    expect(index.search('andersson', { limit: -5 })).toHaveLength(1);
    expect(index.search('andersson', { limit: Number.NaN })).toHaveLength(3);
  });
});

describe('search: ranking', () => {
  it('puts exact matches before prefixes before typos', async () => {
    const ranked = await buildSearchIndex(
      entries(person('Lars', 'Lind', UMEA), person('Lina', 'Berg', UMEA), person('Anna', 'Lindström', UMEA)),
    );
    const hits = ranked.search('lind');
    expect(names(hits)).toEqual(['Lars Lind', 'Anna Lindström', 'Lina Berg']);
    expect(hits.map((hit) => hit.match)).toEqual(['exact', 'prefix', 'fuzzy']);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(hits[1]!.score).toBeGreaterThan(hits[2]!.score);
  });

  it('puts a name above a keyword, a keyword above a department', async () => {
    const ranked = await buildSearchIndex(
      entries(
        unit('department', 'Bygglovsavdelningen', UMEA),
        person('Eva', 'Ek', UMEA, { keywords: ['bygglovsfrågor'] }),
        unit('function', 'Bygglovshjälpen', UMEA),
        person('Bo', 'Ek', UMEA, { department: 'Bygglovsavdelningen' }),
      ),
    );
    expect(names(ranked.search('bygglov'))).toEqual(['Bygglovsavdelningen', 'Bygglovshjälpen', 'Eva Ek', 'Bo Ek']);
  });

  it('orders equal matches the Swedish way, by family name: å ä ö after z', async () => {
    const swedish = await buildSearchIndex(
      entries(
        ...['Öberg', 'Zetterberg', 'Åberg', 'Ärlig', 'Andersson', 'Wallin', 'Berg', 'Östlund', 'Åström'].map(
          (family, i) =>
            person(['Anna', 'Bo', 'Cecilia', 'Dan', 'Emma', 'Frida', 'Gustav', 'Hanna', 'Ida'][i]!, family, UMEA, {
              keywords: ['växeln'],
            }),
        ),
      ),
    );
    expect(swedish.search('växeln').map((hit) => hit.entry.familyName)).toEqual([
      'Andersson',
      'Berg',
      'Wallin',
      'Zetterberg',
      'Åberg',
      'Åström',
      'Ärlig',
      'Öberg',
      'Östlund',
    ]);
    expect(new Set(swedish.search('växeln').map((hit) => hit.score)).size).toBe(1);
  });

  it('returns the best hits up to the limit, in the same order as without one', async () => {
    const many = await buildSearchIndex(
      entries(
        ...Array.from({ length: 300 }, (_, i) =>
          person(`Anna${i}`, ['Öst', 'Berg', 'Zorn', 'Ask'][i % 4]! + i, UMEA, { keywords: ['hemtjänst'] }),
        ),
      ),
    );
    const all = many.search('hemtjänst', { limit: 100 });
    expect(names(many.search('hemtjänst', { limit: 10 }))).toEqual(names(all).slice(0, 10));
    expect(many.search('hemtjänst')).toHaveLength(20);
  });
});

describe('search: hits', () => {
  it('carry the hänvisning in force, and not one that has ended', async () => {
    const withAbsence = await buildSearchIndex(
      entries(
        person('Away', 'Now', UMEA, {
          absence: { reason: 'meeting', text: 'Tillbaka 14.00', until: '2999-01-01T14:00:00+01:00' },
        }),
        person('Away', 'Open', UMEA, { absence: { reason: 'leave' } }),
        person('Away', 'Before', UMEA, { absence: { reason: 'lunch', until: '2001-01-01T13:00:00+01:00' } }),
        person('Away', 'Never', UMEA),
      ),
    );
    const byFamily = Object.fromEntries(withAbsence.search('away').map((hit) => [hit.entry.familyName, hit.absence]));
    expect(byFamily).toEqual({
      Now: { reason: 'meeting', text: 'Tillbaka 14.00', until: '2999-01-01T14:00:00+01:00' },
      Open: { reason: 'leave' },
      Before: null,
      Never: null,
    });
  });
});

describe('search: changes', () => {
  it('applies updates and deletions', async () => {
    const live = await buildSearchIndex(
      entries(person('Anna', 'Berg', UMEA, { id: 'a' }), person('Bo', 'Ek', UMEA, { id: 'b' })),
    );
    const [renamed] = entries(person('Anna', 'Lindqvist', UMEA, { id: 'a', keywords: ['bygglov'] }));
    live.apply([
      { id: 'a', entry: renamed },
      { id: 'b', entry: undefined },
      { id: 'missing', entry: undefined },
    ]);

    expect(live.size).toBe(1);
    expect(names(live.search('lindqvist'))).toEqual(['Anna Lindqvist']);
    expect(live.search('berg')).toEqual([]);
    expect(live.search('bo')).toEqual([]);
    expect([...live.entries()]).toEqual([renamed]);
  });

  it('keeps Swedish order as entries come, with names it knows and names it does not', async () => {
    const live = await buildSearchIndex(
      entries(
        person('Cecilia', 'Öst', UMEA, { id: 'c', keywords: ['bygglov'] }),
        person('Anna', 'Berg', UMEA, { id: 'a', keywords: ['bygglov'] }),
      ),
    );
    expect(names(live.search('bygglov'))).toEqual(['Anna Berg', 'Cecilia Öst']);

    live.apply(
      entries(person('Anna', 'Berg', VANNAS, { id: 'a2', keywords: ['bygglov'] })).map((entry) => ({
        id: entry.id,
        entry,
      })),
    );
    expect(live.search('bygglov').map((hit) => hit.entry.id)).toEqual(['a', 'a2', 'c']);

    live.apply(
      entries(
        person('Dan', 'Åkesson', UMEA, { id: 'd', keywords: ['bygglov'] }),
        person('Eva', 'Abrahamsson', UMEA, { id: 'e', keywords: ['bygglov'] }),
      ).map((entry) => ({ id: entry.id, entry })),
    );
    expect(names(live.search('bygglov'))).toEqual([
      'Eva Abrahamsson',
      'Anna Berg',
      'Anna Berg',
      'Dan Åkesson',
      'Cecilia Öst',
    ]);
  });

  it('says when replaced entries take enough room to build anew', async () => {
    const live = await buildSearchIndex(
      entries(...Array.from({ length: 100 }, (_, i) => person(`P${i}`, 'Berg', UMEA, { id: `p${i}` }))),
    );
    for (let round = 1; round <= 50; round++) {
      expect(live.wasteful).toBe(false);
      live.apply(
        entries(...Array.from({ length: 100 }, (_, i) => person(`P${i}`, `Berg${round}`, UMEA, { id: `p${i}` }))).map(
          (entry) => ({ id: entry.id, entry }),
        ),
      );
    }
    expect(live.wasteful).toBe(true);
    const rebuilt = await buildSearchIndex(live.entries());
    expect(rebuilt.wasteful).toBe(false);
    expect(rebuilt.size).toBe(100);
    expect(names(rebuilt.search('berg50', { limit: 100 }))).toHaveLength(100);
  });
});

describe('query terms', () => {
  it('reads numbers, whole or begun, as the national digits the index holds', async () => {
    const digits = (query: string) => parseQuery(query).map((term) => `${term.kind}:${term.text}`);
    expect(digits('+46 935 141 23')).toEqual(['digits:093514123']);
    expect(digits('0046935-14123')).toEqual(['digits:093514123']);
    expect(digits('+46 (0)935 14')).toEqual(['digits:093514']);
    expect(digits('(0935) 14')).toEqual(['digits:093514']);
    expect(digits('+47 22 12 34 56')).toEqual(['digits:4722123456']);
    expect(digits('2460 123')).toEqual(['digits:2460123']);
    expect(indexedDigits('+4693514123')).toBe('093514123');
    expect(indexedDigits('+4722123456')).toBe('4722123456');
  });

  it('splits words, keeps digits apart from words, and caps the query', async () => {
    expect(parseQuery('Anna-Karin  Öberg 2460')).toEqual([
      { text: 'anna', kind: 'word' },
      { text: 'karin', kind: 'word' },
      { text: 'oberg', kind: 'word' },
      { text: '2460', kind: 'digits' },
    ]);
    expect(parseQuery('0935-141 23')).toEqual([{ text: '093514123', kind: 'digits' }]);
    expect(parseQuery('a b c d e f g h')).toHaveLength(6);
    expect(parseQuery(`${'x'.repeat(500)} y`)).toEqual([{ text: 'x'.repeat(100), kind: 'word' }]);
  });
});
