import { describe, expect, it } from 'vitest';
import { loadRegionConfig } from '../../src/config/load-region.js';
import { createContactStore, sourceAddress } from '../../src/extensions/contact-store.js';
import {
  createEmergencyCallerIds,
  type EmergencyCallerIdDeps,
  LAST_KNOWN_GRACE_MS,
  phoneSource,
} from '../../src/sip-edge/routing/emergency-caller-id.js';
import { useRedis } from '../support/redis.js';
import { inviteText, sipRequest } from './sip-text.js';

const region = await loadRegionConfig('config/region.yaml');
const main = (id: string) => region.municipalities.find((m) => m.id === id)!.mainNumbers[0]!;
const DIRECT = '+4693514123';
const extensions: Record<string, { municipalityId: string; directNumber?: string }> = {
  '2460123': { municipalityId: '2460', directNumber: DIRECT },
  '2460124': { municipalityId: '2460' },
  '2480100': { municipalityId: '2480' },
};

/**
 * Who a 112 call is shown as: drachtio-srf INVITEs parsed from raw SIP, bindings in a real
 * redis-server written by the contact store, the shipped region's phone networks (samples:
 * Vännäs 10.24.96.0/20, Umeå 10.248.0.0/16; default municipality Bjurholm).
 */
describe('the caller ID of a 112 call from a phone network', () => {
  const ctx = useRedis();

  function callerIds(over: Partial<EmergencyCallerIdDeps> = {}) {
    const contacts = createContactStore(ctx.redis, ctx.k);
    const ids = createEmergencyCallerIds({
      bindingsAt: (hostPort) => contacts.at(hostPort),
      extension: async (ext) => extensions[ext],
      mainNumber: main,
      region,
      ...over,
    });
    return { contacts, ids };
  }
  /** A 112 INVITE from `source`:`port` whose From names `line` and whose Contact is `contact`. */
  const emergencyCall = (
    source: string,
    port: number,
    { line = '2460123', contact = `<sip:${line}@${source}:${port}>` }: { line?: string; contact?: string } = {},
  ) =>
    phoneSource(
      sipRequest(
        [...inviteText('112', { from: line }).filter((l) => !l.startsWith('Contact:')), `Contact: ${contact}`],
        source,
        { port },
      ),
    );

  it("a registered phone shows its extension's direct number, else its municipality's main number; the line in From picks among several at one address", async () => {
    const { contacts, ids } = callerIds();
    await contacts.bind('2460123', 'sip:2460123@10.24.96.7:5062', 3600);
    await contacts.bind('2460124', 'sip:2460124@10.24.96.7:5062', 3600);
    await contacts.bind('2480100', 'sip:2480100@10.20.0.5:5060', 3600);
    expect(await ids.of(emergencyCall('10.24.96.7', 5062, { line: '2460123' }))).toEqual({
      callerId: DIRECT,
      basis: 'registered',
    });
    expect(await ids.of(emergencyCall('10.24.96.7', 5062, { line: '2460124' }))).toEqual({
      callerId: main('2460'),
      basis: 'registered',
    });
    // A From that names no line there: the binding refreshed last.
    expect(await ids.of(emergencyCall('10.24.96.7', 5062, { line: '2409999' }))).toEqual({
      callerId: main('2460'),
      basis: 'registered',
    });
    // Registered outside every member's network: still the extension's municipality, not the network's.
    expect(await ids.of(emergencyCall('10.20.0.5', 5060, { line: '2480100' }))).toEqual({
      callerId: main('2480'),
      basis: 'registered',
    });
  });

  it("a phone calling from another port of its host (a new TCP connection) is found by its Contact; another host's Contact proves nothing", async () => {
    const { contacts, ids } = callerIds();
    await contacts.bind('2460123', 'sip:2460123@10.24.96.7:5062;transport=tcp', 3600);
    expect(
      await ids.of(emergencyCall('10.24.96.7', 40111, { contact: '<sip:2460123@10.24.96.7:5062;transport=tcp>' })),
    ).toEqual({ callerId: DIRECT, basis: 'registered' });
    expect(
      await ids.of(emergencyCall('10.24.96.9', 40111, { contact: '<sip:2460123@10.24.96.7:5062;transport=tcp>' })),
    ).toEqual({ callerId: main('2460'), basis: 'network' });
  });

  it("not registered: the main number of the municipality owning the source network; an unknown network: the default municipality's", async () => {
    const { ids } = callerIds();
    expect(await ids.of(emergencyCall('10.248.3.4', 5060))).toEqual({ callerId: main('2480'), basis: 'network' });
    expect(await ids.of(emergencyCall('10.24.100.1', 5060))).toEqual({ callerId: main('2460'), basis: 'network' });
    expect(await ids.of(emergencyCall('172.16.0.9', 5060))).toEqual({
      callerId: main(region.region.defaultMunicipality),
      basis: 'default',
    });
  });

  it('with Redis down or slow, the copy kept from the last REGISTER (or look-up) answers at once, until the binding expired plus the grace', async () => {
    let now = Date.now();
    const hanging: EmergencyCallerIdDeps['bindingsAt'] = () => new Promise(() => undefined);
    const { ids } = callerIds({ bindingsAt: hanging, lookupMs: 50, now: () => now });
    await ids.registered(sourceAddress('172.16.0.9', 5062), '2460123', 300);
    const started = Date.now();
    expect(await ids.of(emergencyCall('172.16.0.9', 5062))).toEqual({ callerId: DIRECT, basis: 'last-known' });
    expect(Date.now() - started).toBeLessThan(500);
    now += 300_000 + LAST_KNOWN_GRACE_MS + 1;
    expect(await ids.of(emergencyCall('172.16.0.9', 5062))).toEqual({
      callerId: main(region.region.defaultMunicipality),
      basis: 'default',
    });
    // Unregistering forgets it.
    await ids.registered(sourceAddress('172.16.0.9', 5062), '2460123', 300);
    await ids.registered(sourceAddress('172.16.0.9', 5062), '2460123', 0);
    expect((await ids.of(emergencyCall('172.16.0.9', 5062))).basis).toBe('default');
  });

  it('a look-up that found the phone refreshes the copy, so Redis failing later still shows it', async () => {
    let failing = false;
    const { contacts } = callerIds();
    await contacts.bind('2460123', 'sip:2460123@10.24.96.7:5062', 3600);
    const { ids } = callerIds({
      bindingsAt: (hostPort) => (failing ? Promise.reject(new Error('ECONNREFUSED')) : contacts.at(hostPort)),
    });
    expect((await ids.of(emergencyCall('10.24.96.7', 5062))).basis).toBe('registered');
    failing = true;
    expect(await ids.of(emergencyCall('10.24.96.7', 5062))).toEqual({ callerId: DIRECT, basis: 'last-known' });
  });
});
