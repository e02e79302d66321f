import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { voiceMessageText, wavDurationMs } from '../../src/calls/messages/voice-recording.js';
import { toneWav } from '../support/wav.js';

describe('a voice message’s recording', () => {
  it('is as long as its data chunk over the format’s bytes per second', () => {
    expect(wavDurationMs(toneWav(1_500))).toBe(1_500);
    expect(wavDurationMs(toneWav(42_250))).toBe(42_250);
  });

  it('is measured from a WAV another tool wrote (sox: a LIST chunk before the data, 16 kHz)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rv-wav-'));
    try {
      const file = join(dir, 'tone.wav');
      execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', file, 'synth', '2.5', 'sine', '440']);
      expect(wavDurationMs(readFileSync(file))).toBe(2_500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts only the bytes there when the header promises more (a file cut short), and nothing for what is not a WAV', () => {
    const whole = toneWav(2_000);
    expect(wavDurationMs(whole.subarray(0, 44 + 8_000))).toBe(500);
    expect(wavDurationMs(Buffer.alloc(0))).toBeUndefined();
    expect(wavDurationMs(Buffer.from('not a recording at all, just text'))).toBeUndefined();
    // RIFF/WAVE without a data chunk: a header only.
    expect(wavDurationMs(whole.subarray(0, 36))).toBeUndefined();
  });

  it('is named in the message’s text by its length in minutes and seconds', () => {
    expect(voiceMessageText(42_400)).toBe('Röstmeddelande (0:42)');
    expect(voiceMessageText(119_600)).toBe('Röstmeddelande (2:00)');
    expect(voiceMessageText(65_000)).toBe('Röstmeddelande (1:05)');
  });
});
