import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createCallbackStore } from '../../src/calls/callbacks/callback-store.js';
import { createControlStore } from '../../src/media/call-control/control-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { LAB_PHONE_NETWORK } from '../../src/lab/lab.js';
import { keys } from '../../src/store/keys.js';
import { connectRedis } from '../../src/store/redis-client.js';
import { startSwitchboard } from '../../src/switchboard.js';
import { apiClient } from '../support/api-client.js';
import { OPEN_INSTANT, clockFrom, eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import { controlHelpers } from './call-control-support.js';
import { testDialling } from '../support/dialling.js';
import { mediaIds } from '../../src/media/media-ids.js';

/**
 * The crash windows of docs/decisions.md "Reconcile": the app stops after a Redis script and
 * before its ARI steps. Each is simulated by stopping the app, running the script against the
 * lab's Redis, and starting the app again: what it finds must be brought in line with Redis.
 */
let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
beforeAll(async () => {
  lab = await startLabSwitchboard({ ringSeconds: 5 });
  h = controlHelpers(lab);
});
afterAll(async () => {
  await lab?.stop();
});

/** Runs Redis steps as the app would have, while the app is down. */
async function whileDown(
  step: (redis: Awaited<ReturnType<typeof connectRedis>>, k: ReturnType<typeof keys>) => Promise<unknown>,
) {
  await lab.stopApp();
  const redis = await connectRedis(lab.redis.url, { name: 'test' });
  try {
    await step(redis, keys('rv'));
  } finally {
    await redis.close();
  }
  await lab.startApp();
}

/** Asks Asterisk itself to change something (ARI REST), as a failed or half-done step would have left it. */
async function ariDo(method: 'POST' | 'DELETE', path: string): Promise<number> {
  const { ariUrl, ariUser, ariPassword } = lab.asterisk;
  const response = await fetch(`${ariUrl}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
  });
  return response.status;
}

const channelGone = (channelId: string, timeoutMs = 15_000) =>
  eventually(
    async () => ((await lab.ari(`/ari/channels/${encodeURIComponent(channelId)}`)).status === 404 ? true : undefined),
    { what: `channel ${channelId} gone`, timeoutMs },
  );

describe.sequential('reconcile after a crash between Redis and Asterisk', () => {
  it('a caller whose call ended in Redis (call-back booked by pressing 1, overflow message) is released, not left waiting on music', async () => {
    const booker = await h.caller('093314000', 60_000);
    const booked = await eventually(
      async () => (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2404')).body.calls[0],
    );
    const overflowed = await h.caller('093414000', 60_000);
    const ended = await eventually(
      async () => (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2409')).body.calls[0],
    );

    await whileDown(async (redis, k) => {
      await createCallbackStore(redis, k, testDialling({ redis, k }).guard, mediaIds).book({ callId: booked.callId });
      await redis.overflowApply([k.call(ended.callId)], [k.prefix, 'end', ended.callId]);
    });

    // Each hears its ending prompt and is hung up well before their own 60 s.
    await Promise.all([channelGone(booked.callId), channelGone(ended.callId)]);
    expect(await h.record(booked.callId)).toMatchObject({ state: 'ended', outcome: 'callback-booked' });
    expect(await h.record(ended.callId)).toMatchObject({ state: 'ended', outcome: 'overflowed' });
    // The promise stands: the call-back waits at the caller's place, and nothing else waits.
    expect(
      (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2404')).body.calls.map((c) => c.callId),
    ).toEqual([`${booked.callId}-cb`]);
    expect((await lab.api<{ calls: unknown[] }>('GET', '/api/v1/queues/2409')).body.calls).toEqual([]);
    for (const sipp of [booker, overflowed])
      expect((await sipp.done).stats).toMatchObject({ successful: 1, failed: 0 });
  });

  it('a waiting caller whose music had stopped (the app stopped during the call-back offer) hears music again, in their place', async () => {
    const sipp = await h.caller('093214000', 60_000);
    const { callId } = await eventually(
      async () => (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2403')).body.calls[0],
    );
    // Once the greeting has played (then the music plays on)...
    const greeting = `/ari/playbacks/${encodeURIComponent(`${callId}-greeting`)}`;
    await eventually(async () => ((await lab.ari(greeting)).status === 200 ? true : undefined), {
      what: 'the greeting playing',
    });
    await eventually(async () => ((await lab.ari(greeting)).status === 404 ? true : undefined), {
      what: 'the greeting over',
    });
    expect(await h.sentToCallerDuring(callId, 1_000)).toBeGreaterThan(35);
    // ... the music stops for a prompt, as for the call-back offer, and the app stops before it starts the music again.
    expect(await ariDo('DELETE', `/ari/channels/${encodeURIComponent(callId)}/moh`)).toBe(204);
    expect(await h.sentToCallerDuring(callId, 1_000)).toBeLessThan(5);

    await lab.stopApp();
    await lab.startApp();
    expect(await h.sentToCallerDuring(callId, 2_000)).toBeGreaterThan(75);
    expect(
      (await lab.api<{ calls: { callId: string; position: number }[] }>('GET', '/api/v1/queues/2403')).body.calls,
    ).toEqual([expect.objectContaining({ callId, position: 1 })]);
    await sipp.stop();
  });

  it('a call-back offer cut short by a stop is made again: unanswered, it ends as the offer would have', async () => {
    const sipp = await h.caller('093214000', 60_000);
    const { callId } = await eventually(
      async () => (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2403')).body.calls[0],
    );
    // The max-wait sweep marked the call for the offer, and the app stopped before (or while) playing it.
    await whileDown((redis, k) => redis.hSet(k.call(callId), 'overflow', 'max-wait'));

    // "Tryck 1" again, no digit within the menu's timeout: the call ends (overflowed) and the caller is hung up.
    const ended = await eventually(
      async () => {
        const { body } = await lab.api<{ state: string; outcome?: string }>('GET', `/api/v1/calls/${callId}`);
        return body.state === 'ended' ? body : undefined;
      },
      { what: 'the offer made again and ended', timeoutMs: 30_000 },
    );
    expect(ended.outcome).toBe('overflowed');
    await channelGone(callId);
    await sipp.stop();
  });

  it('park: the operator’s old leg is hung up and the caller goes to holding, so the available operator is not still bridged', async () => {
    const firstPhone = await h.answeringPhone(1, 60_000);
    await h.login(lab.api, firstPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    await whileDown((redis, k) => createControlStore(redis, k).act(callId, lab.operatorId, { action: 'park' }));

    // The operator's phone gets its BYE (long before its own 60 s), the caller is alone in holding.
    expect((await firstPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await h.bridgeWith(`${callId}-hold`, [callId]);
    await h.bridgeGone(`${callId}-talk`);
    expect(await h.sentToCallerDuring(callId, 2_000)).toBeGreaterThan(75);
    expect(await h.operatorState()).toBe('available');
    expect(await h.record(callId)).toMatchObject({ state: 'answered', control: 'parked' });

    // Retrieved as any parked call, and answered on a new leg.
    const secondPhone = await h.answeringPhone(1);
    await lab.api('DELETE', '/api/v1/operator/session');
    await h.login(lab.api, secondPhone.localPort);
    expect((await lab.api('POST', `/api/v1/calls/${callId}/retrieve`)).status).toBe(200);
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op2`]);
    expect((await lab.api('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(200);
    expect(await h.callWhere(callId, 'ended', (c) => c.state === 'ended')).toMatchObject({ outcome: 'answered' });
    for (const done of [sipp.done, secondPhone.done])
      expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('attended transfer completed: the operator’s leg is hung up, caller and target are bridged', async () => {
    const operatorPhone = await h.answeringPhone(1, 60_000);
    // The target hangs up after 8 s of talk (with the operator, then the caller).
    const extensionPhone = await h.answeringPhone(1, 8_000);
    await h.bindExtension('2460110', extensionPhone.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);
    expect(
      (await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { extension: '2460110', mode: 'attended' })).status,
    ).toBe(200);
    await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`, `${callId}-xfer1`]);

    await whileDown((redis, k) => createControlStore(redis, k).act(callId, lab.operatorId, { action: 'complete' }));

    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-xfer1`]);
    await h.bridgeGone(`${callId}-hold`);
    expect((await operatorPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    expect(await h.operatorState()).toBe('available');
    expect(await h.callWhere(callId, 'ended', (c) => c.state === 'ended', 15_000)).toMatchObject({
      outcome: 'answered',
      transferOutcome: 'answered',
    });
    for (const done of [sipp.done, extensionPhone.done])
      expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('attended transfer cancelled: the target’s leg is hung up, the operator has the caller back', async () => {
    const operatorPhone = await h.answeringPhone(1, 60_000);
    const extensionPhone = await h.answeringPhone(1, 60_000);
    await h.bindExtension('2460111', extensionPhone.localPort);
    await h.login(lab.api, operatorPhone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);
    expect(
      (await lab.api('POST', `/api/v1/calls/${callId}/transfer`, { extension: '2460111', mode: 'attended' })).status,
    ).toBe(200);
    await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`, `${callId}-xfer1`]);

    await whileDown((redis, k) => createControlStore(redis, k).act(callId, lab.operatorId, { action: 'cancel' }));

    expect((await extensionPhone.done).stats).toMatchObject({ successful: 1, failed: 0 });
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    await h.bridgeGone(`${callId}-hold`);
    expect((await lab.api('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(200);
    for (const done of [sipp.done, operatorPhone.done])
      expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('hold and unhold: the caller is moved where Redis says they are', async () => {
    const phone = await h.answeringPhone(1, 60_000);
    await h.login(lab.api, phone.localPort);
    const { callId, sipp } = await h.answeredCall(lab.api);

    await whileDown((redis, k) => createControlStore(redis, k).act(callId, lab.operatorId, { action: 'hold' }));
    await h.bridgeWith(`${callId}-hold`, [callId]);
    await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`]);

    await whileDown((redis, k) => createControlStore(redis, k).act(callId, lab.operatorId, { action: 'unhold' }));
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    await h.bridgeGone(`${callId}-hold`);

    expect((await lab.api('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(200);
    for (const done of [sipp.done, phone.done]) expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
    await lab.api('DELETE', '/api/v1/operator/session');
  });

  it('judges only its own media node’s calls: one queued on another node’s Asterisk is left waiting, one of its own whose caller is gone is ended', async () => {
    const ownNode = new URL(lab.asterisk.ariUrl).host;
    const arrive = (callId: string, mediaNode: string) =>
      whileDown((redis, k) =>
        createCallQueue(redis, k, mediaIds).enqueue(
          {
            callId,
            channelId: callId,
            municipalityId: '2460',
            calledNumber: '+4693514100',
            caller: '+46701234567',
            reason: 'main-number',
          },
          { fields: { mediaNode } },
        ),
      );
    await arrive('elsewhere-1', 'media-2.example:8088');
    await arrive('here-gone-1', ownNode);

    const here = await eventually(async () => {
      const { body } = await lab.api<{ state: string; outcome?: string }>('GET', '/api/v1/calls/here-gone-1');
      return body.state === 'ended' ? body : undefined;
    });
    expect(here.outcome).toBe('abandoned');
    const elsewhere = await lab.api<{ state: string; mediaNode?: string }>('GET', '/api/v1/calls/elsewhere-1');
    expect(elsewhere.body.state).toBe('waiting');
    // Taken out again, so that the tests after this one meet empty queues.
    await whileDown((redis, k) => createCallQueue(redis, k, mediaIds).finish('elsewhere-1'));
  });
});

describe.sequential('periodic reconcile while the app runs', () => {
  it('repairs what a failed ARI step left, and leaves calls in the middle of a change alone', async () => {
    // The lab's app makes way for one that reconciles every 2 s (the default is 30 s).
    await lab.stopApp();
    const app = await startSwitchboard({
      region: lab.region,
      redisUrl: lab.redis.url,
      redisPrefix: 'rv',
      ari: {
        url: lab.asterisk.ariUrl,
        username: lab.asterisk.ariUser,
        password: lab.asterisk.ariPassword,
        app: lab.asterisk.appName,
        reconcileEverySeconds: 2,
      },
      operatorLeg: { endpoint: 'operator-phones', ringSeconds: 5, phoneNetworks: [LAB_PHONE_NETWORK] },
      http: { host: '127.0.0.1', port: 0 },
      auditRetentionDays: 30,
      now: clockFrom(OPEN_INSTANT),
    });
    try {
      const { token } = await app.tokens.create(
        { name: 'periodic operator', role: 'operator' },
        localActor('e2e test'),
      );
      const api = apiClient(app.url, token);
      const record = async (id: string) => (await app.queue.get(id))!;
      const phone = await h.answeringPhone(1, 60_000);
      await h.login(api, phone.localPort);
      const sipp = await h.caller('093514100', 60_000);
      const { callId } = await eventually(
        async () => (await api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls[0],
      );
      expect((await api<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
        callId,
      );
      await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);

      // As if the step that bridged the caller had failed: the caller is out of the talk bridge.
      expect(
        await ariDo(
          'POST',
          `/ari/bridges/${encodeURIComponent(`${callId}-talk`)}/removeChannel?channel=${encodeURIComponent(callId)}`,
        ),
      ).toBe(204);
      await h.bridgeWith(`${callId}-talk`, [`${callId}-op1`]);
      // Within two periods, without a restart, the caller is back with the operator.
      await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`], 15_000);

      // Holds and unholds in the middle of periodic runs are never undone half-way.
      for (let i = 0; i < 3; i++) {
        expect((await api('POST', `/api/v1/calls/${callId}/hold`)).status).toBe(200);
        await h.bridgeWith(`${callId}-hold`, [callId]);
        await new Promise((r) => setTimeout(r, 2_500));
        await h.bridgeWith(`${callId}-hold`, [callId]);
        expect((await api('POST', `/api/v1/calls/${callId}/unhold`)).status).toBe(200);
        await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
      }
      expect(await record(callId)).toMatchObject({ state: 'answered', operatorChannelId: `${callId}-op1` });
      expect((await api('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(200);
      expect(await record(callId)).toMatchObject({ state: 'ended', outcome: 'answered' });
      for (const done of [sipp.done, phone.done])
        expect((await done).stats).toMatchObject({ successful: 1, failed: 0 });
      await api('DELETE', '/api/v1/operator/session');
    } finally {
      await app.stop();
      await lab.startApp();
    }
  });
});
