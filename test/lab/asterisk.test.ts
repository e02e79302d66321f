import ari, { type Channel, type Client } from 'ari-client';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startAsterisk, type AsteriskInstance } from '../../src/lab/asterisk.js';
import { defaultLabDir, provisionLab } from '../../src/lab/provision.js';
import { runCaller, SCENARIOS, startSipp } from '../support/sipp.js';

/**
 * The lab's Asterisk with the project's own config (dialplans/), driven by real SIP (SIPp) and
 * a real ARI client: calls from the carrier reach the Stasis app with the dialled number,
 * operators' phones can be dialled, and strangers are turned away.
 */

const labDir = defaultLabDir();
const appName = `lab-test-${randomUUID().slice(0, 8)}`;
let asterisk: AsteriskInstance;
let client: Client;

interface Arrival {
  args: string[];
  channel: Channel;
}
/** Every channel that entered the app, in order. */
const arrivals: Arrival[] = [];
/** What the app does with an arriving channel; each test sets its own. */
let handleArrival: (arrival: Arrival) => Promise<void> = async () => undefined;
const appErrors: unknown[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

beforeAll(async () => {
  await provisionLab({ labDir, onProgress: (line) => console.log(`[lab] ${line}`) });
  asterisk = await startAsterisk({ labDir, appName });
  client = await ari.connect(asterisk.ariUrl, asterisk.ariUser, asterisk.ariPassword);
  client.on('StasisStart', (event, channel) => {
    // The types allow a lone string; Asterisk always sends a list.
    const arrival = { args: [event.args].flat(), channel };
    arrivals.push(arrival);
    handleArrival(arrival).catch((error: unknown) => appErrors.push(error));
  });
  await client.start(appName);
});

afterAll(async () => {
  client?.stop();
  await asterisk?.stop();
});

describe('lab provisioning', () => {
  it('is a quick no-op when the lab is already provisioned', async () => {
    const lines: string[] = [];
    const started = Date.now();
    const lab = await provisionLab({ labDir, onProgress: (line) => lines.push(line) });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lab.rootDir).toBe(join(labDir, 'asterisk-root'));
    expect(lines).toEqual([expect.stringMatching(/^Lab is provisioned/)]);
  });
});

describe('the lab Asterisk', () => {
  it('hands a call from the carrier to the Stasis app with the dialled number, and the app can hold it with music and hang up', async () => {
    const held = deferred<{ bridgeChannels: string[]; state: string; channels: string }>();
    handleArrival = async ({ channel }) => {
      await channel.answer();
      const bridge = await client.bridges.create({ type: 'holding' });
      await bridge.addChannel({ channel: channel.id });
      await bridge.startMoh({ mohClass: 'default' });
      const [seen, current, channels] = await Promise.all([
        client.bridges.get({ bridgeId: bridge.id }),
        client.channels.get({ channelId: channel.id }),
        asterisk.cli('core show channels concise'),
      ]);
      held.resolve({ bridgeChannels: [seen.channels].flat(), state: current.state, channels });
      await sleep(1000);
      await channel.hangup();
      await bridge.destroy();
    };

    const started = Date.now();
    const result = await runCaller(asterisk, '093514100', {
      hangupAfterMs: 15_000,
      callerNumber: '0701234567',
      timeoutMs: 30_000,
    });
    const callSeconds = (Date.now() - started) / 1000;

    expect(result.errors).toBe('');
    expect(result.code).toBe(0);
    expect(result.stats).toMatchObject({ successful: 1, failed: 0 });
    // The app hung up after ~1 s, long before the caller's own 15 s limit.
    expect(callSeconds).toBeLessThan(10);

    expect(arrivals).toHaveLength(1);
    const [arrival] = arrivals;
    // The second argument is the SIP edge's X-Reason: empty here, the call came straight from the carrier.
    expect(arrival?.args).toEqual(['093514100', '']);
    expect(arrival?.channel.caller.number).toBe('0701234567');
    const { bridgeChannels, state, channels } = await held.promise;
    expect(state).toBe('Up');
    expect(bridgeChannels).toEqual([arrival?.channel.id]);
    // The music comes from an announcer channel Asterisk adds to the bridge.
    expect(channels).toMatch(/Announcer\/ARI_MOH/);
    expect(appErrors).toEqual([]);
  });

  it('dials an operator phone through the operator-phones endpoint; the answered channel enters the app and the app can hang up', async () => {
    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      vars: { talk_ms: '15000' },
      timeoutMs: 30_000,
    });
    onTestFinished(async () => {
      await phone.stop();
    });
    const answered = deferred<Arrival>();
    handleArrival = async (arrival) => {
      answered.resolve(arrival);
      await sleep(500);
      await arrival.channel.hangup();
    };

    const started = Date.now();
    const dialled = await client.channels.originate({
      endpoint: `PJSIP/operator-phones/sip:op1@${phone.localIp}:${phone.localPort}`,
      app: appName,
      appArgs: 'operator,op1',
      callerId: '"Vännäs kommun" <093514100>',
      timeout: 10,
    });
    const arrival = await answered.promise;
    const result = await phone.done;

    expect(arrival.channel.id).toBe(dialled.id);
    expect(arrival.args).toEqual(['operator', 'op1']);
    expect(arrival.channel.state).toBe('Up');
    expect(result.errors).toBe('');
    expect(result.code).toBe(0);
    expect(result.stats).toMatchObject({ successful: 1, failed: 0 });
    // The app's hang-up ended the call, not the phone's own 15 s limit.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(appErrors).toEqual([]);
  });

  it('turns away a call from elsewhere whose From user names the carrier’s endpoint', async () => {
    const before = arrivals.length;
    const result = await runCaller(asterisk, '093214000', {
      localIp: '127.0.0.2',
      callerNumber: 'carrier',
      timeoutMs: 20_000,
    });
    expect(result.stats).toMatchObject({ successful: 0, failed: 1 });
    expect(result.errors).toMatch(/SIP\/2\.0 401 Unauthorized/);
    await sleep(300);
    expect(arrivals.slice(before)).toEqual([]);
  });

  it('turns away a call from a source that is not the carrier', async () => {
    const before = arrivals.length;
    const result = await runCaller(asterisk, '093214000', {
      // Any loopback address is reachable; only 127.0.0.1 is the lab's carrier (TRUNK_MATCH).
      localIp: '127.0.0.2',
      timeoutMs: 20_000,
    });

    expect(result.code).not.toBe(0);
    expect(result.stats).toMatchObject({ successful: 0, failed: 1 });
    expect(result.errors).toMatch(/SIP\/2\.0 401 Unauthorized/);
    const messages = await readFile(join(asterisk.instanceDir, 'log', 'messages.log'), 'utf8');
    expect(messages).toMatch(/INVITE.*127\.0\.0\.2.*No matching endpoint found/);
    await sleep(300);
    expect(arrivals.slice(before)).toEqual([]);
  });
});
