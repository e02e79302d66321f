import { fileURLToPath } from 'node:url';

/**
 * The switchboard's Swedish prompts, by name, as texts committed in dialplans/prompts/sv.txt: the
 * lab speaks them into its Asterisk (lab/prompts.ts), the call flow and the routing simulator name
 * and show them (media/arrival/caller-prompts.ts).
 */
export const PROMPTS_FILE = fileURLToPath(new URL('../../dialplans/prompts/sv.txt', import.meta.url));

/** `{n}` lines stand for one prompt per number, for positions and minutes. */
const NUMBERED_UP_TO = 60;

/** The prompts of a prompts file: name → text, `{n}` lines expanded. */
export function parsePrompts(source: string): Map<string, string> {
  const prompts = new Map<string, string>();
  source.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const match = /^([a-z0-9{}-]+)\s*=\s*(.+)$/.exec(line.trim());
    if (!match) throw new Error(`${PROMPTS_FILE}:${index + 1}: expected "name = text"`);
    const [, name = '', text = ''] = match;
    if (!name.includes('{n}')) return void prompts.set(name, text);
    for (let n = 1; n <= NUMBERED_UP_TO; n++)
      prompts.set(name.replace('{n}', String(n)), text.replaceAll('{n}', String(n)));
  });
  return prompts;
}
