import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import type { DirectoryEntry } from '../../src/directory/entries/entry-schema.js';
import { scanKeys } from '../../src/store/redis-client.js';
import { writeDtmfPcap } from '../support/dtmf-pcap.js';
import { type AriPlayback, OPEN_INSTANT, eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { type SippResult, runSipp } from '../support/sipp.js';

/**
 * Feature codes from a phone (media/arrival/feature-code.ts) through the lab's Asterisk. SIPp
 * plays the SIP edge: it sends X-Extension itself, as the edge does for an authenticated phone
 * (the edge's own part: test/unit/route-invite-feature-codes.test.ts, test/sip-edge/).
 */
const PHONE = resolve(import.meta.dirname, '../sipp/phone-feature-code.xml');
const VANNAS = '2460';
const EXTENSION = '2460123';
const WITHOUT_ENTRY = '2460124';
const actor = localActor('e2e feature codes');

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let entryId: string;
let pcapDir: string;

beforeAll(async () => {
  [lab, pcapDir] = await Promise.all([startLabSwitchboard(), mkdtemp(join(tmpdir(), 'rv-dtmf-'))]);
  const entry = await lab.switchboard.entries.create(
    { kind: 'person', givenName: 'Åsa', familyName: 'Lind', municipalityId: VANNAS, extension: EXTENSION },
    actor,
  );
  entryId = entry.id;
  const password = 'feature-code-test-secret';
  await lab.switchboard.admin.extensions.create(
    { extension: EXTENSION, displayName: 'Åsa Lind', municipalityId: VANNAS, directoryEntryId: entryId, password },
    actor,
  );
  await lab.switchboard.admin.extensions.create(
    { extension: WITHOUT_ENTRY, displayName: 'Reception', municipalityId: VANNAS, password },
    actor,
  );
});
afterAll(async () => {
  await lab?.stop();
  if (pcapDir) await rm(pcapDir, { recursive: true, force: true });
});

/** The phone of `extension` dialling `dialled` (the Request-URI user, # as %23), keying `keys` as DTMF once answered. */
async function dial(
  dialled: string,
  {
    keys = '5',
    extension = EXTENSION,
    header = 'X-Extension',
  }: { keys?: string; extension?: string; header?: string } = {},
): Promise<SippResult> {
  const pcap = join(pcapDir, `${keys.replace(/\*/g, 's').replace(/#/g, 'p')}.pcap`);
  await writeDtmfPcap(pcap, keys);
  return runSipp({
    scenarioFile: PHONE,
    remote: `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`,
    service: dialled,
    vars: { extension, header_name: header, dtmf_pcap: pcap, dtmf_after_ms: '1000', hangup_after_ms: '40000' },
    traceMessages: true,
    timeoutMs: 60_000,
  });
}

const stored = async () => (await lab.switchboard.entries.get(entryId)) as DirectoryEntry;

/** Every text the switchboard has given out to be spoken (media/spoken-text/ remembers them in Redis). */
async function spokenTexts(): Promise<string[]> {
  const { redis, keys } = lab.switchboard;
  const texts: string[] = [];
  for await (const batch of scanKeys(redis, { MATCH: keys.spokenText('*'), COUNT: 1000 }))
    for (const json of batch.length > 0 ? await redis.mGet(batch) : [])
      if (json) texts.push((JSON.parse(json) as { text: string }).text);
  return texts;
}

/** The reply spoken to the phone (playback `<channel>-code-reply`), caught while it plays. */
function replyPlaying() {
  return eventually(
    async () => {
      const { body: channels } = await lab.ari<{ id: string }[]>('/ari/channels');
      for (const { id } of channels) {
        const { status, body } = await lab.ari<AriPlayback>(`/ari/playbacks/${encodeURIComponent(`${id}-code-reply`)}`);
        if (status === 200) return body;
      }
      return undefined;
    },
    { what: 'the reply playing', timeoutMs: 30_000 },
  );
}

/** SIPp's received status lines, e.g. ['SIP/2.0 200 OK']: what the phone was answered. */
const finalStatus = (result: SippResult) =>
  [...result.messages.matchAll(/^(SIP\/2\.0 [2-6]\d\d)/gm)].map((m) => m[1]).filter((s) => !/ 1\d\d$/.test(s!));

const HANGS_UP_BY_ITSELF = /BYE sip:/;

describe.sequential('feature codes from a phone', () => {
  it('*20, then *22*1*1400# keyed: the entry is in a meeting until 14.00, said to the phone, which is hung up; audited, no call record', async () => {
    const [result, playback] = await Promise.all([dial('*20', { keys: '*22*1*1400#' }), replyPlaying()]);
    expect(playback.media_uri).toMatch(/^sound:http:\/\/.*\/media\/spoken\/[0-9a-f]{64}\.wav$/);
    const until = DateTime.fromISO(OPEN_INSTANT, { zone: 'Europe/Stockholm' }).set({ hour: 14 });
    expect((await stored()).absence).toEqual({ reason: 'meeting', until: until.toISO({ suppressMilliseconds: true }) });
    // The API shows it as the operators' search and the personal page do.
    const { body } = await lab.api<{ absence: unknown }>('GET', `/api/v1/directory/entries/${entryId}`);
    expect(body.absence).toEqual({ reason: 'meeting', until: until.toISO({ suppressMilliseconds: true }) });
    expect(await spokenTexts()).toEqual(
      expect.arrayContaining(['Ange kod, avsluta med fyrkant.', 'Hänvisning satt. Åsa Lind är på möte till 14.00.']),
    );
    // The switchboard hung up (its BYE answered), the phone never had to.
    expect(result.code).toBe(0);
    expect(result.messages).toMatch(/^BYE sip:/m);
    const [change] = await lab.switchboard.audit.query({ scope: VANNAS, objectId: entryId, limit: 1 });
    expect(change).toMatchObject({ actor: { name: 'Åsa Lind (anknytning 2460123, telefon)', role: 'self' } });
    // Not a citizen's call: nothing queued nor recorded.
    expect((await lab.api<{ calls: unknown[] }>('GET', `/api/v1/calls?municipality=${VANNAS}`)).body.calls).toEqual([]);
  });

  it('#21# dialled as the number clears it', async () => {
    const result = await dial('%2321%23');
    expect((await stored()).absence).toBeNull();
    expect(await spokenTexts()).toContain('Hänvisningen borttagen.');
    expect(result.code).toBe(0);
    expect(finalStatus(result)).toContain('SIP/2.0 200');
  });

  it('a bad code (25.00) is told "Felaktig kod" and changes nothing', async () => {
    const before = await stored();
    const result = await dial('*21*2500%23');
    expect(await spokenTexts()).toContain('Felaktig kod.');
    expect(result.code).toBe(0);
    expect(await stored()).toEqual(before);
  });

  it('an extension without a directory entry is told so, and nothing changes', async () => {
    const before = await stored();
    const result = await dial('*22*2%23', { extension: WITHOUT_ENTRY });
    expect(await spokenTexts()).toContain('Anknytningen saknar katalogpost.');
    expect(result.code).toBe(0);
    expect(await stored()).toEqual(before);
  });

  it('is refused (403) unanswered without X-Extension, or with an extension the region does not have', async () => {
    const before = await stored();
    for (const result of [
      await dial('*22*1%23', { header: 'X-Other' }),
      await dial('*22*1%23', { extension: '2460999' }),
    ]) {
      expect(finalStatus(result)).toEqual(['SIP/2.0 403']);
      expect(result.messages).not.toMatch(HANGS_UP_BY_ITSELF);
    }
    expect(await stored()).toEqual(before);
  });
});
