import { z } from 'zod';
import type { MunicipalityConfig, RegionConfig } from '../config/region-schema.js';
import { e164Digits, formatForDisplay } from '../numbers/phone-number.js';

type Range = { from: string; to: string };

/** Ends are written with the same number of digits (region-schema.ts), so only values that long can fall inside. */
export function inRanges(ranges: readonly Range[], value: string, magnitude: (v: string) => number): boolean {
  return ranges.some(
    (r) =>
      r.from.length === value.length && magnitude(r.from) <= magnitude(value) && magnitude(value) <= magnitude(r.to),
  );
}

/** A member's own numbers as config/region.yaml gives them (directory-store.ts keeps a copy of them in Redis). */
export type MemberNumbers = Pick<
  MunicipalityConfig,
  'id' | 'name' | 'mainNumbers' | 'directDialRanges' | 'extensionRanges'
>;

/** Why a municipality id is refused, wherever one is given (an object, an entry, an import). */
export const notAMember = (municipalityId: string): string =>
  `${municipalityId} is not a member municipality (config/region.yaml)`;

/**
 * The member whose configured numbers hold a claimed value ("e164:+4693514100": a main number,
 * or one in a direct-dial range; "extension:2460123": one in an extension range), and how, said
 * of the value ("is already the main number of Vännäs"). Ranges never overlap in the region
 * (region-schema.ts), so there is at most one.
 */
export function configuredHolder(
  members: readonly MemberNumbers[],
  claim: string,
): { municipalityId: string; what: string } | undefined {
  const kind = claim.slice(0, claim.indexOf(':'));
  const value = claim.slice(kind.length + 1);
  for (const m of members) {
    if (kind === 'e164' && m.mainNumbers.includes(value))
      return { municipalityId: m.id, what: `is already the main number of ${m.name}` };
    if (kind === 'e164' && inRanges(m.directDialRanges, value, e164Digits))
      return { municipalityId: m.id, what: `is in ${m.name}'s direct-dial ranges` };
    if (kind === 'extension' && inRanges(m.extensionRanges, value, Number))
      return { municipalityId: m.id, what: `is in ${m.name}'s extension ranges` };
  }
  return undefined;
}

function showRanges(ranges: readonly Range[], show: (v: string) => string): string {
  return ranges.length === 0 ? 'none configured' : ranges.map((r) => `${show(r.from)}–${show(r.to)}`).join(', ');
}

/**
 * What the region config (config/region.yaml) says administered objects must respect: whose
 * extension and direct-dial ranges a value lies in, and which numbers the config itself holds.
 * The config is read once at start; a changed range takes effect at the next start.
 */
export function regionRules(region: RegionConfig) {
  const members = new Map(region.municipalities.map((m) => [m.id, m]));
  const configured = new Map<string, string>();
  for (const m of region.municipalities)
    for (const n of m.mainNumbers) configured.set(n, `the main number of ${m.name} (config/region.yaml)`);
  for (const n of region.region.regionalNumbers) configured.set(n, 'the regional number (config/region.yaml)');

  return {
    /** `fields` as an object of a member municipality, then `check`ed against that municipality's config. */
    memberObject<S extends { municipalityId: z.ZodType<string> } & z.ZodRawShape>(
      fields: S,
      check: (doc: z.output<z.ZodObject<S>>, m: MunicipalityConfig, ctx: z.RefinementCtx) => void,
    ) {
      return z
        .object(fields)
        .strict()
        .superRefine((doc, ctx) => {
          const { municipalityId } = doc as { municipalityId: string };
          const m = members.get(municipalityId);
          if (m) check(doc, m, ctx);
          else ctx.addIssue({ code: 'custom', path: ['municipalityId'], message: notAMember(municipalityId) });
        });
    },

    checkExtension(m: MunicipalityConfig, extension: string, ctx: z.RefinementCtx, path: (string | number)[]): void {
      if (!inRanges(m.extensionRanges, extension, Number)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${extension} is not in ${m.name}'s extension ranges (${showRanges(m.extensionRanges, String)})`,
        });
      }
    },

    checkDirectDial(m: MunicipalityConfig, e164: string, ctx: z.RefinementCtx, path: (string | number)[]): void {
      if (!inRanges(m.directDialRanges, e164, e164Digits)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${formatForDisplay(e164)} is not in ${m.name}'s direct-dial ranges (${showRanges(m.directDialRanges, formatForDisplay)})`,
        });
      }
    },

    /** A number the region answers itself (main, regional or direct-dial) cannot be an external destination: the call would come back in. */
    checkExternal(e164: string, ctx: z.RefinementCtx, path: (string | number)[]): void {
      const owner =
        configured.get(e164) ?? region.municipalities.find((m) => inRanges(m.directDialRanges, e164, e164Digits))?.name;
      if (owner) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${formatForDisplay(e164)} is the region's own number (${owner}): route to the extension or the queue instead`,
        });
      }
    },

    isMember: (municipalityId: string): boolean => members.has(municipalityId),

    /** The config's own holder of a claimed "e164:<number>", named for a 409. */
    reservedBy(claim: string): string | undefined {
      return claim.startsWith('e164:') ? configured.get(claim.slice('e164:'.length)) : undefined;
    },
  };
}

export type RegionRules = ReturnType<typeof regionRules>;
