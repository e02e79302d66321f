import { readFile } from 'node:fs/promises';
import type { GreetingDoc } from '../../admin/greetings.js';
import type { OpeningState } from '../../hours/opening-state.js';
import { PROMPTS_FILE, parsePrompts } from '../prompt-list.js';

/**
 * Which of the shipped prompts (dialplans/prompts/sv.txt) and stored texts a caller hears where:
 * chosen here once, for the call flow that plays them (media/arrival/) and for the routing
 * simulator (http/routes/routing.ts), which tells IT staff what a call would hear, with the texts.
 */

/** A text IT staff stored for a municipality (admin/greetings.ts), spoken in its language (media/spoken-text/). */
export interface StoredText {
  text: string;
  language: string;
}

/** What a caller hears outside opening hours, in turn (played by caller-media.ts playSpokenElse). */
export interface ClosedPrompts {
  /** The municipality's stored closed message, if any: heard instead of `otherwise`, which stand in when it cannot be spoken or played. */
  spoken?: StoredText;
  /** "Växeln är stängd" (on a public holiday or closed eve, that it is a holiday). */
  otherwise: string[];
  /** Where to turn (112), after either. */
  then: string[];
}

/**
 * Outside opening hours: the municipality's stored closed message, else "Växeln är stängd" (on a
 * public holiday or closed eve, that it is a holiday); then where to turn. Without `state` (a
 * call recorded closed earlier, its rule not kept) the plain "Växeln är stängd".
 */
export function closedPrompts(
  state: Pick<OpeningState, 'rule'> | undefined,
  stored?: Pick<GreetingDoc, 'closedMessage' | 'language'>,
): ClosedPrompts {
  const holiday = state?.rule === 'holiday' || state?.rule === 'eve';
  return {
    ...(stored?.closedMessage ? { spoken: { text: stored.closedMessage, language: stored.language } } : {}),
    otherwise: [holiday ? 'closed-holiday' : 'closed'],
    then: ['closed-alternatives'],
  };
}

/** The stored text a waiting caller hears after their `count`th position announcement (from 1): the municipality's queue announcements in turn. */
export function queueAnnouncement(
  stored: Pick<GreetingDoc, 'queueAnnouncements' | 'language'> | undefined,
  count: number,
): StoredText | undefined {
  const texts = stored?.queueAnnouncements;
  if (!stored || !texts?.length) return undefined;
  return { text: texts[(count - 1) % texts.length]!, language: stored.language };
}

/** The regional menu's choices for municipalities in menu order (regional-menu.ts menuOrder): "För Bjurholm," "tryck 1." … */
export function menuChoicePrompts(order: readonly string[]): string[] {
  return order.flatMap((id, i) => [`menu-for-${id}`, `menu-press-${i + 1}`]);
}

/** What a caller entering a municipality's queue hears first, before the music. */
export const queueGreetingPrompt = (municipalityId: string) => `greeting-${municipalityId}`;

let texts: Promise<ReadonlyMap<string, string>> | undefined;

/** The prompts' Swedish texts by name, read from the prompts file once (media/prompt-list.ts parses it, as the lab does for speaking them). */
export function promptTexts(): Promise<ReadonlyMap<string, string>> {
  texts ??= readFile(PROMPTS_FILE, 'utf8')
    .then(parsePrompts)
    .catch((error: unknown) => {
      // Not kept: the next request reads again.
      texts = undefined;
      throw error;
    });
  return texts;
}
