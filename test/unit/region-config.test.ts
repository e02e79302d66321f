import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegionConfig, parseRegionConfig } from '../../src/config/load-region.js';
import { problemsOf, VANNAS_YAML } from '../support/region-yaml.js';

const minimal = (municipalities: string, region = 'regionalNumbers: []\n  defaultMunicipality: "2460"') => `
region:
  name: Test
  timezone: Europe/Stockholm
  ${region}
municipalities:
${municipalities}`;

const vannas = VANNAS_YAML;

describe('region config', () => {
  it('loads the shipped file with seven members, numbers stored as E.164', async () => {
    const region = await loadRegionConfig(resolve('config/region.yaml'));
    expect(region.municipalities.map((m) => m.name)).toEqual([
      'Bjurholm',
      'Nordmaling',
      'Robertsfors',
      'Umeå',
      'Vindeln',
      'Vännäs',
      'Örnsköldsvik',
    ]);
    expect(region.municipalities.find((m) => m.id === '2460')?.mainNumbers).toEqual(['+4693514100']);
    expect(region.municipalities[0]?.openingHours.saturday).toEqual([]);
  });

  it('accepts an eighth municipality as data only', () => {
    const region = parseRegionConfig(
      minimal(`${vannas}
  - id: "2421"
    name: Storuman
    greeting: Storumans kommun
    mainNumbers: ["0951-140 00"]
    extensionRanges: [{ from: "2421000", to: "2421999" }]
    openingHours: {}`),
      'region.yaml',
    );
    expect(region.municipalities).toHaveLength(2);
  });

  it('names the path and the problem of a bad number', () => {
    expect(problemsOf(minimal(vannas.replace('"0935-141 00"', '"0935-14"')))).toEqual([
      expect.stringMatching(/^municipalities\[0\]\.mainNumbers\[0\]: "0935-14" is not a valid phone number/),
    ]);
  });

  it('names a missing field and an unknown one', () => {
    const problems = problemsOf(
      minimal(vannas.replace('    greeting: Vännäs kommun\n', '    greting: Vännäs kommun\n')),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^municipalities\[0\]\.greeting: /));
    expect(problems).toContainEqual(expect.stringMatching(/^municipalities\[0\]: .*greting/));
  });

  it('refuses a kommunkod that is not four digits and bad opening hours', () => {
    const problems = problemsOf(
      minimal(
        vannas.replace('"2460"', '"246"').replace('"08:00-16:30"', '"16:30-08:00"'),
        'defaultMunicipality: "246"',
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^municipalities\[0\]\.id: must be the four-digit SCB kommunkod/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^municipalities\[0\]\.openingHours\.monday\[0\]: must open before it closes/),
    );
  });

  it('refuses numbers, ranges and extensions used twice in the region', () => {
    const twin = vannas.replace('"2460"', '"2461"').replace('name: Vännäs', 'name: Tvilling');
    const problems = problemsOf(minimal(vannas + twin));
    expect(problems).toContainEqual('municipalities[1].mainNumbers[0]: overlaps main number +4693514100 of Vännäs');
    expect(problems).toContainEqual(
      expect.stringMatching(/^municipalities\[1\]\.directDialRanges\[0\]: overlaps direct-dial range/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^municipalities\[1\]\.extensionRanges\[0\]: overlaps extensions 2460000–2460999 of Vännäs/,
      ),
    );
  });

  it('refuses a default municipality that is not a member', () => {
    expect(problemsOf(minimal(vannas, 'defaultMunicipality: "9999"'))).toEqual([
      'region.defaultMunicipality: "9999" is not the id of a configured municipality',
    ]);
  });

  it("reads each member's phone networks, none of them shared, each written from its first address", () => {
    const umea = `
  - id: "2480"
    name: Umeå
    greeting: Umeå kommun
    mainNumbers: ["090-16 10 00"]
    extensionRanges: [{ from: "2480000", to: "2489999" }]
    openingHours: {}
    phoneNetworks: ["10.248.0.0/16", "fd00:2480::/32"]`;
    const ok = parseRegionConfig(minimal(`${vannas}\n    phoneNetworks: ["10.24.96.0/20"]${umea}`), 'region.yaml');
    expect(ok.municipalities.map((m) => m.phoneNetworks)).toEqual([
      ['10.24.96.0/20'],
      ['10.248.0.0/16', 'fd00:2480::/32'],
    ]);
    expect(problemsOf(minimal(`${vannas}\n    phoneNetworks: ["10.248.16.0/20", "fd00:2480:7::/48"]${umea}`))).toEqual([
      'municipalities[1].phoneNetworks[0]: overlaps phone network 10.248.16.0/20 of Vännäs',
      'municipalities[1].phoneNetworks[1]: overlaps phone network fd00:2480:7::/48 of Vännäs',
    ]);
    expect(
      problemsOf(minimal(`${vannas}\n    phoneNetworks: ["10.24.96.7/20", "10.24.96.0", "10.24.96.0/20"]`)),
    ).toEqual([
      "municipalities[0].phoneNetworks[0]: has host bits set: write the network's first address",
      'municipalities[0].phoneNetworks[1]: must be a network in CIDR form, e.g. "10.24.60.0/24"',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('region: [\n')).toEqual([expect.stringMatching(/^line \d+: /)]);
  });

  it('says which file could not be read', async () => {
    await expect(loadRegionConfig('/nonexistent/region.yaml')).rejects.toThrow(
      /\/nonexistent\/region\.yaml.*\n.*ENOENT/,
    );
  });
});
