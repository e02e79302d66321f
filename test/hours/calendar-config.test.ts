import { describe, expect, it } from 'vitest';
import { parseRegionConfig } from '../../src/config/load-region.js';
import { problemsOf, regionYaml as region } from '../support/region-yaml.js';

/** config/region.yaml's calendar settings per municipality: closedEves and preHolidayClosesAt. */

describe('calendar settings in config/region.yaml', () => {
  it('closes every eve and keeps the weekly hours before holidays unless told otherwise', () => {
    const [m] = parseRegionConfig(region(''), 'region.yaml').municipalities;
    expect(m?.closedEves).toEqual(['midsommarafton', 'julafton', 'nyårsafton']);
    expect(m?.preHolidayClosesAt).toBeUndefined();
  });

  it('takes the eves closed and the early closing time as written', () => {
    const [m] = parseRegionConfig(
      region('    closedEves: [julafton]\n    preHolidayClosesAt: "15:00"'),
      'region.yaml',
    ).municipalities;
    expect(m).toMatchObject({ closedEves: ['julafton'], preHolidayClosesAt: '15:00' });
  });

  it('refuses an unknown or repeated eve and a time that is not a clock time, naming the place', () => {
    expect(problemsOf(region('    closedEves: [påskafton]'))).toContainEqual(
      expect.stringMatching(/^municipalities\[0\]\.closedEves\[0\]: /),
    );
    expect(problemsOf(region('    closedEves: [julafton, julafton]'))).toContainEqual(
      expect.stringMatching(/^municipalities\[0\]\.closedEves: must name each eve at most once/),
    );
    expect(problemsOf(region('    preHolidayClosesAt: "24:00"'))).toContainEqual(
      expect.stringMatching(/^municipalities\[0\]\.preHolidayClosesAt: must be a clock time/),
    );
  });
});
