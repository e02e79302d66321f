import { expect } from 'vitest';
import { ConfigError, parseRegionConfig } from '../../src/config/load-region.js';

/** Vännäs as config/region.yaml writes a member, for config tests; more settings are appended at its indentation. */
export const VANNAS_YAML = `
  - id: "2460"
    name: Vännäs
    greeting: Vännäs kommun
    mainNumbers: ["0935-141 00"]
    directDialRanges: [{ from: "0935-141 01", to: "0935-149 99" }]
    extensionRanges: [{ from: "2460000", to: "2460999" }]
    openingHours: { monday: ["08:00-16:30"] }`;

/**
 * A region config text: Vännäs with `vannasSettings` (lines indented four spaces, e.g.
 * "    closedEves: [julafton]") and any further members' YAML after it.
 */
export function regionYaml(vannasSettings = '', moreMembers = ''): string {
  return `
region:
  name: Test
  timezone: Europe/Stockholm
  defaultMunicipality: "2460"
municipalities:${VANNAS_YAML}
${vannasSettings}${moreMembers}`;
}

/** The problems the config loader names for `text`, each "path: problem"; fails when the text is accepted. */
export function problemsOf(text: string): string[] {
  try {
    parseRegionConfig(text, 'region.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('region.yaml');
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}
