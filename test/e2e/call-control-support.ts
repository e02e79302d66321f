import { resolve } from 'node:path';
import { expect } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import type { CallRecord } from '../../src/calls/call-record.js';
import { freeUdpPort } from '../../src/lab/free-port.js';
import { apiClient } from '../support/api-client.js';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';

/** Helpers shared by the call control end-to-end tests (test/e2e/call-control-*.test.ts). */

export const RINGING_PHONE = resolve(import.meta.dirname, '../sipp/ringing-phone.xml');

type Lab = Awaited<ReturnType<typeof startLabSwitchboard>>;
type Bridge = { id: string; channels: string[] };

/**
 * A lab switchboard whose carrier's far side (external transfers, call-backs) is wherever the
 * test starts a SIPp UAS: `carrierPort`. Operators' phones ring 5 s.
 */
export async function startLabWithCarrier() {
  const carrierPort = await freeUdpPort();
  const lab = await startLabSwitchboard({ ringSeconds: 5, callControl: { trunkHost: `127.0.0.1:${carrierPort}` } });
  return { lab, carrierPort, h: controlHelpers(lab) };
}

export function controlHelpers(lab: Lab) {
  const sipTarget = `${lab.asterisk.sipHost}:${lab.asterisk.sipPort}`;

  /** A SIPp phone that answers by itself and talks until hung up (or talkMs). */
  const answeringPhone = (calls = 1, talkMs = 30_000) =>
    startSipp({ scenarioFile: SCENARIOS.operatorPhone, calls, vars: { talk_ms: String(talkMs) }, timeoutMs: 90_000 });

  const caller = (dialled: string, hangupAfterMs = 30_000) =>
    startCaller(sipTarget, dialled, { hangupAfterMs, timeoutMs: 90_000 });

  /** An API caller with a token of its own (a second operator). */
  async function operatorClient(name: string) {
    const { token, record } = await lab.switchboard.tokens.create({ name, role: 'operator' }, localActor('e2e test'));
    return { id: record.id, api: apiClient(lab.switchboard.url, token) };
  }

  type Api = Lab['api'];

  async function login(api: Api, phonePort: number) {
    const { status } = await api('POST', '/api/v1/operator/session', {
      phone: `sip:operator@127.0.0.1:${phonePort}`,
      municipalities: ['2460', '2480'],
    });
    expect(status).toBe(201);
  }

  /** The call's record as stored (GET /calls/{id} shows no call control fields). */
  const record = async (callId: string): Promise<CallRecord> => {
    const call = await lab.switchboard.queue.get(callId);
    if (!call) throw new Error(`no call ${callId}`);
    return call;
  };

  const callWhere = (callId: string, what: string, test: (call: CallRecord) => boolean, timeoutMs = 10_000) =>
    eventually(
      async () => {
        const call = await record(callId);
        return test(call) ? call : undefined;
      },
      { what: `call ${callId}: ${what}`, timeoutMs },
    );

  const firstWaiting = (municipalityId: string) =>
    eventually(
      async () =>
        (await lab.api<{ calls: { callId: string }[] }>('GET', `/api/v1/queues/${municipalityId}`)).body.calls[0],
      { what: `a call waiting in ${municipalityId}` },
    );

  /** A caller answered by the operator whose api is given (their phone must answer). */
  async function answeredCall(api: Api, dialled = '093514100', hangupAfterMs = 30_000) {
    const sipp = await caller(dialled, hangupAfterMs);
    const waiting = await firstWaiting('2460');
    const taken = await api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next');
    expect(taken.body.call.callId).toBe(waiting.callId);
    await callWhere(waiting.callId, 'answered', (c) => c.state === 'answered');
    await bridgeWith(`${waiting.callId}-talk`, [waiting.callId, `${waiting.callId}-op1`]);
    return { callId: waiting.callId, sipp };
  }

  /** Waits until Asterisk's bridge holds exactly these channels (asked of ARI itself). */
  const bridgeWith = (bridgeId: string, channels: string[], timeoutMs = 10_000) =>
    eventually(
      async () => {
        const { status, body } = await lab.ari<Bridge>(`/ari/bridges/${encodeURIComponent(bridgeId)}`);
        return status === 200 && [...body.channels].sort().join() === [...channels].sort().join() ? body : undefined;
      },
      { what: `bridge ${bridgeId} with ${channels.join(', ')}`, timeoutMs },
    );

  const bridgeGone = (bridgeId: string) =>
    eventually(
      async () => ((await lab.ari(`/ari/bridges/${encodeURIComponent(bridgeId)}`)).status === 404 ? true : undefined),
      { what: `bridge ${bridgeId} gone` },
    );

  /** Registers a phone for an extension, as the registrar would. */
  const bindExtension = (extension: string, port: number) =>
    lab.switchboard.contacts.bind(extension, `sip:${extension}@127.0.0.1:${port}`, 300);

  const operatorState = async (api: Api = lab.api) =>
    (await api<{ state: string }>('GET', '/api/v1/operator/session')).body.state;

  /** RTP packets Asterisk sent the caller over `ms` (ARI's RTP statistics of their channel): 50 a second (20 ms frames) while something plays to them, none while nothing does. */
  async function sentToCallerDuring(callId: string, ms: number): Promise<number> {
    const sent = async () => {
      const { status, body } = await lab.ari<{ txcount: number }>(
        `/ari/channels/${encodeURIComponent(callId)}/rtp_statistics`,
      );
      expect(status).toBe(200);
      return body.txcount;
    };
    const before = await sent();
    await new Promise((r) => setTimeout(r, ms));
    return (await sent()) - before;
  }

  return {
    sipTarget,
    answeringPhone,
    caller,
    operatorClient,
    login,
    record,
    callWhere,
    firstWaiting,
    answeredCall,
    bridgeWith,
    bridgeGone,
    bindExtension,
    operatorState,
    sentToCallerDuring,
  };
}
