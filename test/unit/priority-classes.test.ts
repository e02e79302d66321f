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

const withClasses = region(`    queuePolicy:
      priorityClasses:
        - { name: vip, boostSeconds: 300, numbers: ["070-123 45 67"] }
        - { name: member, boostSeconds: 120, memberNumbers: true }
        - { name: also-vip, boostSeconds: 600, numbers: ["070-123 45 67", "+46 70 765 43 21"] }`);
/** Vännäs's queue policy with these priority classes (lines indented six spaces). */
const policy = (classes: string) => `    queuePolicy:\n      priorityClasses: ${classes}`;

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
    for (const caller of ['+46701111111', 'anonymous', '2481000', '24800001', '+4690162000', '+4693514100'])
      expect(classify('2460', caller)).toBeUndefined();
    expect(classify('2480', '+46701234567')).toBeUndefined();
    expect(classify('2480', '2460123')).toBeUndefined();
    expect(classify('9999', '2460123')).toBeUndefined();
  });

  it('classifies by the classes given (the stored policy’s) instead of the config’s, none when given none', () => {
    const stored = parseRegionConfig(
      region(policy('[{ name: listed, boostSeconds: 30, numbers: ["070-111 11 11"] }]')),
      'region.yaml',
    ).municipalities[0]!.queuePolicy.priorityClasses!;
    expect(classify('2460', '+46701111111', stored)).toEqual({ priorityClass: 'listed', boostSeconds: 30 });
    expect(classify('2460', '+46701234567', stored)).toBeUndefined();
    // A member's extension: member ranges are the region's whatever the classes.
    expect(
      classify('2480', '2460123', [{ name: 'staff', boostSeconds: 60, memberNumbers: true, numbers: [] }]),
    ).toEqual({ priorityClass: 'staff', boostSeconds: 60 });
    expect(classify('2460', '2480123', [])).toBeUndefined();
  });

  it('is optional in the queue policy, and a class must match someone and be named once', () => {
    expect(parseRegionConfig(region(''), 'region.yaml').municipalities[0]?.queuePolicy.priorityClasses).toBeUndefined();
    const problems = (classes: string) => problemsOf(region(policy(classes)));
    expect(problems('[{ name: nobody, boostSeconds: 60 }]')).toEqual([
      expect.stringContaining('municipalities[0].queuePolicy.priorityClasses[0].numbers: matches no caller'),
    ]);
    expect(
      problems(
        '[{ name: a, boostSeconds: 60, memberNumbers: true }, { name: a, boostSeconds: 30, memberNumbers: true }]',
      ),
    ).toEqual([expect.stringContaining('municipalities[0].queuePolicy.priorityClasses: names a class twice')]);
    expect(problems('[{ name: a, boostSeconds: 0, numbers: ["0935-12"] }]')).toHaveLength(2);
  });

  it('refuses classes written where they used to be, beside queuePolicy, saying where they go now', () => {
    expect(
      problemsOf(region('    priorityClasses: [{ name: member, boostSeconds: 120, memberNumbers: true }]')),
    ).toEqual([
      'municipalities[0]: priorityClasses has moved into the queue policy: write it as queuePolicy.priorityClasses',
    ]);
    expect(problemsOf(region('    priorityClasses: []\n    colour: blue'))).toEqual([
      'municipalities[0]: priorityClasses has moved into the queue policy: write it as queuePolicy.priorityClasses; unrecognized keys: "colour"',
    ]);
  });
});
