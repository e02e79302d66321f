import { rm } from 'node:fs/promises';
import { runTool } from '../../run-tool.js';

/**
 * Bump when speakToWav's output changes (rate, format): spoken texts are addressed by a hash
 * that includes it, so Asterisk's year-long cache of the old audio is bypassed.
 */
export const SPEECH_VERSION = 1;

/** Neither tool needs more than a second for a 1000-character text; a hung one must not hold a request. */
const TOOL_TIMEOUT_MS = 30_000;

/**
 * Speaks `text` with espeak-ng's `voice` into `wavFile` as what Asterisk's format_wav plays
 * (8 kHz, 16 bit, mono; sox converts espeak-ng's 22 kHz). The one way the switchboard turns text
 * into audio: the lab's prompts (lab/prompts.ts) and the texts IT staff store (spoken-texts.ts).
 */
export async function speakToWav(text: string, voice: string, wavFile: string): Promise<void> {
  const spoken = `${wavFile}.22k.wav`;
  try {
    // `--`: a text starting with "-" is spoken, not read as an option (-f would speak a file).
    await runTool('espeak-ng', ['-v', voice, '-s', '150', '-w', spoken, '--', text], { timeoutMs: TOOL_TIMEOUT_MS });
    await runTool('sox', [spoken, '-r', '8000', '-c', '1', '-b', '16', wavFile], { timeoutMs: TOOL_TIMEOUT_MS });
  } finally {
    await rm(spoken, { force: true });
  }
}
