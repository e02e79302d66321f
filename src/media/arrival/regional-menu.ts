import type { Client } from 'ari-client';
import type { RegionConfig } from '../../config/region-schema.js';
import type { CallerMedia } from './caller-media.js';
import { menuChoicePrompts } from './caller-prompts.js';

/** Tries before the caller is sent to the default municipality. */
const TRIES = 2;

/** The menu's municipalities, digit 1 first: region.menu.order, else the order of `municipalities` (at most 9). */
export function menuOrder(region: RegionConfig): string[] {
  return region.region.menu.order ?? region.municipalities.slice(0, 9).map((m) => m.id);
}

/**
 * The regional number's menu: "För Bjurholm, tryck 1. För Nordmaling, tryck 2. …" in the
 * configured order; a digit chooses the municipality. No digit or a wrong one twice → the
 * default municipality (region.defaultMunicipality), with a word to the caller.
 */
export async function chooseMunicipality(
  client: Client,
  callId: string,
  { region, media }: { region: RegionConfig; media: CallerMedia },
): Promise<{ municipalityId: string; chosen: boolean; digits: string[] }> {
  const order = menuOrder(region);
  const options = menuChoicePrompts(order);
  const digits: string[] = [];
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const intro = attempt === 1 ? ['menu-welcome'] : digits.length > 0 ? ['menu-invalid'] : [];
    const digit = await media.collectDigit(
      client,
      callId,
      [...intro, ...options],
      region.region.menu.timeoutSeconds * 1000,
    );
    if (media.hasLeft(callId)) break;
    if (digit !== undefined) digits.push(digit);
    const chosen = digit === undefined ? undefined : order[Number(digit) - 1];
    if (chosen && /^[1-9]$/.test(digit ?? '')) return { municipalityId: chosen, chosen: true, digits };
  }
  await media.play(client, callId, ['menu-default']);
  return { municipalityId: region.region.defaultMunicipality, chosen: false, digits };
}
