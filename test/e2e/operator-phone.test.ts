import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { SCENARIOS, startCaller, startSipp } from '../support/sipp.js';

type CallView = { callId: string; state: string; outcome?: string; answeredBy?: string };
type Refusal = { error: { code: string; details: { field: string; problem: string }[] } };

/**
 * Where an operator may be rung (operators/operator-phone.ts), through the lab: Asterisk dials
 * only a phone on the operator phone networks (the lab's: loopback) or an extension's
 * registered phone, never an address elsewhere, which would be a free call out.
 */
let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
beforeAll(async () => {
  lab = await startLabSwitchboard({ ringSeconds: 10 });
});
afterAll(async () => {
  await lab?.stop();
});

// One operator token serves the file.
describe.sequential('the operator’s phone', () => {
  it('is refused at login at a foreign address or by host name (400 naming body.phone), and nobody is logged in', async () => {
    for (const phone of [
      'sip:op@192.0.2.10',
      'sip:op@192.0.2.10:5060',
      'sip:op@sip.carrier.example',
      'sip:0900123456@localhost',
    ]) {
      const refused = await lab.api<Refusal>('POST', '/api/v1/operator/session', { phone, municipalities: ['2460'] });
      expect(refused.status, phone).toBe(400);
      expect(
        refused.body.error.details.map((d) => d.field),
        phone,
      ).toEqual(['body.phone']);
    }
    expect((await lab.api('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it('may be an extension: its registered SIPp phone rings and the operator answers the call', async () => {
    // Not registered yet: refused, since the first call would find nothing to ring.
    const early = await lab.api<Refusal>('POST', '/api/v1/operator/session', {
      phone: '2460150',
      municipalities: ['2460'],
    });
    expect(early).toMatchObject({
      status: 409,
      body: { error: { code: 'phone_not_registered', details: [{ field: 'body.phone' }] } },
    });

    const phone = await startSipp({
      scenarioFile: SCENARIOS.operatorPhone,
      calls: 1,
      vars: { talk_ms: '1500' },
      timeoutMs: 60_000,
    });
    // As the SIP edge's registrar records a REGISTER from that phone.
    await lab.switchboard.contacts.bind('2460150', `sip:2460150@127.0.0.1:${phone.localPort}`, 120);
    const login = await lab.api<{ phone: string }>('POST', '/api/v1/operator/session', {
      phone: '2460150',
      municipalities: ['2460'],
    });
    expect(login).toMatchObject({ status: 201, body: { phone: '2460150' } });

    const citizen = await startCaller(lab.asterisk, '093514100', {
      hangupAfterMs: 30_000,
      timeoutMs: 60_000,
    });
    await eventually(
      async () =>
        (await lab.api<{ calls: unknown[] }>('GET', '/api/v1/queues/2460')).body.calls.length === 1 ? true : undefined,
      { what: 'the call waiting in Vännäs' },
    );
    const taken = await lab.api<{ call: CallView }>('POST', '/api/v1/operator/answer-next');
    expect(taken.status).toBe(200);
    const { callId } = taken.body.call;

    // Asterisk rang the extension's contact, the SIPp phone answered: caller and operator bridged.
    const bridged = await eventually(
      async () => {
        const { status, body } = await lab.ari<{ channels: string[] }>(
          `/ari/bridges/${encodeURIComponent(`${callId}-talk`)}`,
        );
        return status === 200 && body.channels.length === 2 ? body.channels : undefined;
      },
      { what: 'caller and operator bridged' },
    );
    expect(bridged.sort()).toEqual([callId, `${callId}-op1`].sort());
    const record = await eventually(async () => {
      const { body } = await lab.api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(callId)}`);
      return body.state === 'ended' ? body : undefined;
    });
    expect(record).toMatchObject({ outcome: 'answered', answeredBy: lab.operatorId });
    expect((await phone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect((await citizen.done).stats).toMatchObject({ successful: 1, failed: 0 });
  }, 90_000);

  it('is checked again when rung: a phone no longer allowed is not dialled, and the call keeps its place', async () => {
    // A session stored before the rule (or before the networks narrowed) with an address elsewhere.
    await lab.switchboard.redis.hSet(lab.switchboard.keys.operator(lab.operatorId), 'phone', 'sip:op@192.0.2.10');
    const citizen = await startCaller(lab.asterisk, '093514100', {
      hangupAfterMs: 5000,
      timeoutMs: 60_000,
    });
    const waiting = await eventually(
      async () =>
        (await lab.api<{ calls: { callId: string; position: number }[] }>('GET', '/api/v1/queues/2460')).body.calls[0],
      { what: 'the call waiting' },
    );
    const refused = await lab.api<Refusal>('POST', '/api/v1/operator/answer-next');
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'operator_phone_refused' } } });
    // Asterisk was never asked to dial it, and the caller is back in line where they were.
    expect((await lab.ari<{ id: string }[]>('/ari/channels')).body.map((c) => c.id)).not.toContain(
      `${waiting.callId}-op1`,
    );
    expect(
      (await lab.api<{ calls: { callId: string; position: number }[] }>('GET', '/api/v1/queues/2460')).body.calls,
    ).toEqual([expect.objectContaining({ callId: waiting.callId, position: 1 })]);
    await citizen.done;
    expect((await lab.api('DELETE', '/api/v1/operator/session')).status).toBe(204);
  }, 60_000);
});
