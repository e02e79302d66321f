import { mkdtemp, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { asteriskRootDir, defaultLabDir } from '../../src/lab/provision.js';
import { apiClient } from '../support/api-client.js';
import { type LabAppInfo, startLabApp } from '../support/lab-app-process.js';
import { eventually } from '../support/lab-switchboard.js';
import { SCENARIOS, type SippProcess, startCaller, startSipp } from '../support/sipp.js';

/**
 * Power loss (docs/decisions.md, "Media-node liveness"): Asterisk, Redis and the switchboard
 * all killed -9 while callers wait, then the lab started again as `npm start` does it, with new
 * ports. The callers went with the old Asterisk: none of them may wait again, nor be handed to
 * an operator, ahead of the real callers.
 */
const DEAD_SECONDS = 5;
const sipps: SippProcess[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await Promise.all(sipps.map((sipp) => sipp.stop()));
  for (const step of cleanup.reverse()) await step();
});

const apiOf = (app: LabAppInfo) => apiClient(app.url, app.token);

const caller = async (app: LabAppInfo) => {
  const sipp = await startCaller(app.sip, '093514100', { hangupAfterMs: 120_000, timeoutMs: 150_000 });
  sipps.push(sipp);
  return sipp;
};

it('no ghost waits after Asterisk, Redis and the app are killed -9 and the lab comes back on new ports, and answer-next gives none', async () => {
  // A lab dir of the test's own (Redis data, media node id), on the provisioned Asterisk chroot.
  const labDir = await mkdtemp(join(tmpdir(), 'rv-ghost-lab-'));
  await symlink(asteriskRootDir(defaultLabDir()), asteriskRootDir(labDir));
  cleanup.push(async () => {
    await unlink(asteriskRootDir(labDir));
    await rm(labDir, { recursive: true, force: true });
  });

  const first = await startLabApp(labDir, { mediaNodeDeadSeconds: DEAD_SECONDS });
  const before = apiOf(first.info);
  const queue = async (api: ReturnType<typeof apiOf>) =>
    (await api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls.map((c) => c.callId);
  for (let n = 1; n <= 3; n++) {
    await caller(first.info);
    await eventually(async () => ((await queue(before)).length === n ? true : undefined), {
      what: `${n} callers waiting`,
    });
  }
  const ghosts = await queue(before);
  await first.killAll();

  const second = await startLabApp(labDir, { mediaNodeDeadSeconds: DEAD_SECONDS });
  cleanup.push(() => second.stop());
  const cameBackAt = Date.now();
  const after = apiOf(second.info);
  expect(second.info.sip).not.toBe(first.info.sip);
  expect(second.info.mediaNode).toBe(first.info.mediaNode);

  // No ghost waits, within the dead time (the lab's node keeps its id, so its start clears them at once).
  await eventually(async () => ((await queue(after)).length === 0 ? true : undefined), {
    what: 'no ghost waiting',
    timeoutMs: DEAD_SECONDS * 1000,
  });
  expect(Date.now() - cameBackAt).toBeLessThan(DEAD_SECONDS * 1000);
  for (const callId of ghosts) {
    expect((await after<{ state: string; outcome: string }>('GET', `/api/v1/calls/${callId}`)).body).toMatchObject({
      state: 'ended',
      outcome: 'media-node-lost',
    });
  }

  // An operator asking gets none of them; the next real caller is the one their phone rings for.
  const phone = await startSipp({
    scenarioFile: SCENARIOS.operatorPhone,
    calls: 1,
    vars: { talk_ms: '1500' },
    timeoutMs: 60_000,
  });
  sipps.push(phone);
  expect(
    (
      await after('POST', '/api/v1/operator/session', {
        phone: `sip:operator@127.0.0.1:${phone.localPort}`,
        municipalities: ['2460'],
      })
    ).status,
  ).toBe(201);
  expect((await after('POST', '/api/v1/operator/answer-next')).body).toMatchObject({ call: null });
  await caller(second.info);
  const [real] = await eventually(async () => ((await queue(after)).length === 1 ? queue(after) : undefined), {
    what: 'the new caller waiting',
  });
  expect((await after<{ call: { callId: string } }>('POST', '/api/v1/operator/answer-next')).body.call.callId).toBe(
    real,
  );
  expect((await phone.done).stats).toMatchObject({ created: 1, successful: 1, failed: 0 });
});
