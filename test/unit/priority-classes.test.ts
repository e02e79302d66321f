import { describe, expect, it } from 'vitest';
import { parseRegionConfig } from '../../src/config/load-region.js';
import { priorityClassifier } from '../../src/queue/priority.js';
import { problemsOf, regionYaml } from '../support/region-yaml.js';

const UMEA_YAML = `
  - id: "2480"
    name: Umeå
    greeting: Umeå kommun
    mainNumbers: ["090-16 10 00"]
    directDialRanges: [{ from: "090-16 10 01", to: "090-16 19 99" }]
    extensionRanges: [{ from: "2480000", to: "2480999" }]
    openingHours: {}`;
const region = (vannasClasses: string) => regionYaml(vannasClasses, UMEA_YAML);

const withClasses = region(`    priorityClasses:
      - { name: vip, boostSeconds: 300, numbers: ["070-123 45 67"] }
      - { name: member, boostSeconds: 120, memberNumbers: true }
      - { name: also-vip, boostSeconds: 600, numbers: ["070-123 45 67", "+46 70 765 43 21"] }`);

describe('priority classes', () => {
  const classify = priorityClassifier(parseRegionConfig(withClasses, 'region.yaml'));

  it('puts a caller from any member extension or direct-dial range in the member class', () => {
    expect(classify('2460', '2480123')).toEqual({ priorityClass: 'member', boostSeconds: 120 });
    expect(classify('2460', '2460999')).toEqual({ priorityClass: 'member', boostSeconds: 120 });
    expect(classify('2460', '+4690161234')).toEqual({ priorityClass: 'member', boostSeconds: 120 });
    expect(classify('2460', '+4693514101')).toEqual({ priorityClass: 'member', boostSeconds: 120 });
  });

  it('matches listed numbers as E.164, the first class written winning', () => {
    expect(classify('2460', '+46701234567')).toEqual({ priorityClass: 'vip', boostSeconds: 300 });
    expect(classify('2460', '+46707654321')).toEqual({ priorityClass: 'also-vip', boostSeconds: 600 });
  });

  it('leaves everyone else, and every caller of a municipality without classes, unclassified', () => {
    for (const caller of ['+46701111111', 'anonymous', '2481000', '24800001', '+4690162000', '+4693514100']) expect(classify('2460', caller)).toBeUndefined();
    expect(classify('2480', '+46701234567')).toBeUndefined();
    expect(classify('2480', '2460123')).toBeUndefined();
    expect(classify('9999', '2460123')).toBeUndefined();
  });

  it('is optional in the config, and a class must match someone and be named once', () => {
    expect(parseRegionConfig(region(''), 'region.yaml').municipalities[0]?.priorityClasses).toEqual([]);
    const problems = (classes: string) => problemsOf(region(classes));
    expect(problems('    priorityClasses: [{ name: nobody, boostSeconds: 60 }]')).toEqual([
      expect.stringContaining('municipalities[0].priorityClasses[0].numbers: matches no caller'),
    ]);
    expect(problems('    priorityClasses: [{ name: a, boostSeconds: 60, memberNumbers: true }, { name: a, boostSeconds: 30, memberNumbers: true }]')).toEqual([
      expect.stringContaining('municipalities[0].priorityClasses: names a class twice'),
    ]);
    expect(problems('    priorityClasses: [{ name: a, boostSeconds: 0, numbers: ["0935-12"] }]')).toHaveLength(2);
  });
});
