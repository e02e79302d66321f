import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { type SippProcess, startCaller } from '../support/sipp.js';
import { controlHelpers } from './call-control-support.js';

/**
 * Two media nodes answer as one region (docs/decisions.md, "Several media nodes"): two lab
 * Asterisks, each with its own app instance, one Redis. An operator logged in through instance
 * 1 takes and transfers a caller waiting on node 2, whose legs are made on node 2 by instance 2;
 * node 2 dying ends node 2's calls only.
 */
const DEAD_SECONDS = 5;

let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let node2: Awaited<ReturnType<typeof lab.addNode>>;
let h: ReturnType<typeof controlHelpers>;
const sipps: SippProcess[] = [];
beforeAll(async () => {
  lab = await startLabSwitchboard({ ringSeconds: 10, mediaNodeDeadSeconds: DEAD_SECONDS });
  node2 = await lab.addNode('node-2');
  h = controlHelpers(lab);
});
afterAll(async () => {
  await Promise.all(sipps.map((sipp) => sipp.stop()));
  await lab?.stop();
});

const callerOn = async (sip: { sipHost: string; sipPort: number }, hangupAfterMs = 60_000) => {
  const sipp = await startCaller(sip, '093514100', { hangupAfterMs, timeoutMs: 90_000 });
  sipps.push(sipp);
  return sipp;
};

/** Waits until node 2's Asterisk has this bridge with exactly these channels. */
const node2Bridge = (bridgeId: string, channels: string[]) =>
  eventually(
    async () => {
      const { status, body } = await node2.ari<{ channels: string[] }>(`/ari/bridges/${encodeURIComponent(bridgeId)}`);
      return status === 200 && [...body.channels].sort().join() === [...channels].sort().join() ? body : undefined;
    },
    { what: `node 2's bridge ${bridgeId} with ${channels.join(', ')}` },
  );

const waitingIds = async () =>
  (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls.map((c) => c.callId);

describe.sequential('two media nodes, one region', () => {
  let talking: string;

  it('a caller on node 2 is answered by an operator logged in through instance 1: their legs are bridged on node 2', async () => {
    const phone = await h.answeringPhone(1, 60_000);
    sipps.push(phone);
    await h.login(lab.api, phone.localPort);
    await callerOn(node2.asterisk);
    const [callId] = await eventually(async () => ((await waitingIds()).length === 1 ? waitingIds() : undefined));
    expect(await h.record(callId!)).toMatchObject({ mediaNode: 'node-2', state: 'waiting' });

    const taken = await lab.api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next');
    expect(taken).toMatchObject({ status: 200, body: { call: { callId } } });
    // The operator's leg was made by node 2's Asterisk, and the caller talks to it there.
    await node2Bridge(`${callId}-talk`, [callId!, `${callId}-op1`]);
    expect(await h.callWhere(callId!, 'answered', (c) => c.state === 'answered')).toMatchObject({
      operatorChannelId: `${callId}-op1`,
      answeredBy: lab.operatorId,
    });
    // Node 1's Asterisk never had the call.
    expect((await lab.ari(`/ari/channels/${encodeURIComponent(`${callId}-op1`)}`)).status).toBe(404);
    talking = callId!;
  });

  it('a blind transfer asked of instance 1 rings the extension from node 2 and bridges it with the caller there', async () => {
    const extensionPhone = await h.answeringPhone(1, 60_000);
    sipps.push(extensionPhone);
    await h.bindExtension('2460120', extensionPhone.localPort);
    const transferred = await lab.api<{ control?: string }>('POST', `/api/v1/calls/${talking}/transfer`, {
      extension: '2460120',
      mode: 'blind',
    });
    expect(transferred.status).toBe(200);
    // Read after the forwarded transfer: its target may have answered already.
    expect(['transferring', 'transferred']).toContain(transferred.body.control);
    await node2Bridge(`${talking}-talk`, [talking, `${talking}-xfer1`]);
    expect(await h.callWhere(talking, 'transferred', (c) => c.control === 'transferred')).toMatchObject({
      transferOutcome: 'answered',
    });
    expect(await h.operatorState()).toBe('available');
  });

  it('node 2 dying ends node 2’s calls only, within MEDIA_NODE_DEAD_SECONDS: node 1’s caller waits on', async () => {
    await callerOn(node2.asterisk);
    await callerOn(lab.asterisk);
    const waiting = await eventually(async () => {
      const ids = await waitingIds();
      return ids.length === 2 ? ids : undefined;
    });
    const onNode2 = (await Promise.all(waiting.map((id) => h.record(id)))).find(
      (c) => c.mediaNode === 'node-2',
    )!.callId;
    const onNode1 = waiting.find((id) => id !== onNode2)!;

    const killedAt = Date.now();
    process.kill(node2.asterisk.pid, 'SIGKILL');
    const lost = await h.callWhere(
      onNode2,
      'ended with its node',
      (c) => c.state === 'ended',
      (DEAD_SECONDS + 10) * 1000,
    );
    expect(lost.outcome).toBe('media-node-lost');
    expect(Date.now() - killedAt).toBeLessThan((DEAD_SECONDS + 8) * 1000);
    // The transferred call went with it (it had been answered: answered, its talk cut short).
    expect(await h.callWhere(talking, 'ended', (c) => c.state === 'ended')).toMatchObject({ outcome: 'answered' });
    expect(await waitingIds()).toEqual([onNode1]);
    expect(await h.record(onNode1)).toMatchObject({ state: 'waiting' });
  });
});
