import { describe, expect, it } from 'vitest';
import { parseDeb822Sources, parseOneLineSources } from '../../src/lab/provision.js';

describe("reading the host's apt sources to find its Debian mirror", () => {
  it('takes the URIs of enabled deb stanzas, leaving out security suites', () => {
    const text = [
      'Types: deb',
      '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
      'URIs: http://deb.debian.org/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://deb.debian.org/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb-src',
      'URIs: http://source.example/debian',
      'Suites: bookworm',
      '',
      'Types: deb',
      'URIs: http://off.example/debian',
      'Suites: bookworm',
      'Enabled: no',
    ].join('\n');
    expect(parseDeb822Sources(text)).toEqual(['http://deb.debian.org/debian']);
  });

  it('reads one-line sources, with options in brackets', () => {
    const text = [
      '# deb http://commented.example/debian bookworm main',
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] https://mirror.example/debian bookworm main',
      'deb http://security.debian.org/debian-security bookworm-security main',
      'deb cdrom:[Debian]/ bookworm main',
    ].join('\n');
    expect(parseOneLineSources(text)).toEqual(['https://mirror.example/debian']);
  });
});
