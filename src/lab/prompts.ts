import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROMPTS_FILE, parsePrompts } from '../media/prompt-list.js';
import { speakToWav } from '../media/spoken-text/speak.js';

/**
 * The prompts of the prompts file (media/prompt-list.ts), spoken by espeak-ng (Swedish voice) and
 * converted by sox to what Asterisk's format_wav plays (8 kHz, 16 bit, mono: media/spoken-text/speak.ts)
 * into the lab's Asterisk. No recorded audio is committed: the texts are the source.
 */

/** Inside the Asterisk chroot: the `sv` language's sounds, so `sound:regionvaxel/<name>` finds them on a Swedish channel. */
export const PROMPTS_DIR_IN_CHROOT = 'usr/share/asterisk/sounds/sv/regionvaxel';

const MARKER = '.source-sha256';

async function promptSource(): Promise<{ source: string; hash: string }> {
  const source = await readFile(PROMPTS_FILE, 'utf8');
  return { source, hash: createHash('sha256').update(source).digest('hex') };
}

/** True when the chroot's prompts were spoken from today's prompts file. */
export async function promptsAreCurrent(rootDir: string): Promise<boolean> {
  const { hash } = await promptSource();
  return (await readFile(join(rootDir, PROMPTS_DIR_IN_CHROOT, MARKER), 'utf8').catch(() => '')) === hash;
}

/**
 * Speaks every prompt into `<rootDir>/<PROMPTS_DIR_IN_CHROOT>` unless the files there were made
 * from the same text (a hash of it beside them). Written to a new dir and renamed into place,
 * so a running Asterisk never sees half a set.
 */
export async function ensurePrompts(rootDir: string, detail: (line: string) => void): Promise<void> {
  const { source, hash } = await promptSource();
  const dir = join(rootDir, PROMPTS_DIR_IN_CHROOT);
  if (await promptsAreCurrent(rootDir)) {
    detail('prompts are current');
    return;
  }
  const prompts = parsePrompts(source);
  const building = `${dir}.${randomBytes(4).toString('hex')}`;
  await mkdir(building, { recursive: true });
  try {
    for (const [name, text] of prompts) await speakToWav(text, 'sv', join(building, `${name}.wav`));
    await writeFile(join(building, MARKER), hash);
    await rm(dir, { recursive: true, force: true });
    await rename(building, dir);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  detail(`${prompts.size} prompts spoken into ${dir}`);
}
