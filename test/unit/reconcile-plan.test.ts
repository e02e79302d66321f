import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/calls/call-record.js';
import type { ChannelSeen } from '../../src/media/reconcile/asterisk-view.js';
import {
  ARRIVAL_STUCK_MS,
  type ReconcileAction,
  type ReconcileInput,
  planReconcile,
  recordsWanted,
} from '../../src/media/reconcile/plan.js';

/**
 * Reconcile's plan (src/media/reconcile/plan.ts), pure: every state a call can be in against what
 * Asterisk can show, each row naming the repairs expected. No Redis, no Asterisk.
 */

const APP = 'vaxel';
const NODE = 'node-a';
const NOW = 10_000_000;
/** Asterisk started before every call here arrived, unless a row says otherwise. */
const STARTED = 500;

function call(fields: Partial<CallRecord> & Pick<CallRecord, 'state'>): CallRecord {
  const callId = fields.callId ?? 'c1';
  return {
    callId,
    channelId: callId,
    municipalityId: '2460',
    calledNumber: '+4693514100',
    caller: '+46701234567',
    reason: 'main-number',
    enqueuedAt: 1_000,
    place: 1,
    attempts: 1,
    mediaNode: NODE,
    ...fields,
  };
}
const answered = (fields: Partial<CallRecord> = {}) =>
  call({ state: 'answered', operatorId: 'op', operatorChannelId: 'c1-op1', answeredAt: 2_000, ...fields });
const callback = (fields: Partial<CallRecord> & Pick<CallRecord, 'state'>) =>
  call({ callId: 'b-cb', channelId: 'b-cb-dial', kind: 'callback', callbackOf: 'b', ...fields });

/** A caller in a Stasis app (ours unless `app` says otherwise). */
const caller = (id: string, { app = APP, state = 'Up' }: { app?: string; state?: string } = {}): ChannelSeen => ({
  id,
  state,
  dialplan: {
    context: 'from-carrier',
    exten: '093514100',
    priority: 1,
    app_name: 'Stasis',
    app_data: `${app},093514100,`,
  },
});
/** A leg the switchboard originated ("Ringing" until answered). */
const leg = (id: string, state = 'Up'): ChannelSeen => ({
  id,
  state,
  dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
});

interface Scene {
  calls?: CallRecord[];
  channels?: ChannelSeen[];
  bridges?: Record<string, string[]>;
  startedAt?: number;
  periodic?: boolean;
  arriving?: Record<string, number>;
  settled?: string[];
  suspected?: Map<string, string>;
}

/** Plans as the runner would: the active calls' records, then those recordsWanted names (from what Redis holds: `calls`). */
function plan(scene: Scene) {
  const calls = scene.calls ?? [];
  const stored = new Map(calls.map((c) => [c.callId, c]));
  const known: Omit<ReconcileInput, 'records' | 'suspected'> = {
    periodic: scene.periodic ?? false,
    app: APP,
    mediaNode: NODE,
    now: NOW,
    active: calls.filter((c) => c.state !== 'ended').map((c) => c.callId),
    view: {
      channels: new Map((scene.channels ?? []).map((c) => [c.id, c])),
      bridges: new Map(Object.entries(scene.bridges ?? {})),
      startedAt: scene.startedAt ?? STARTED,
    },
    arriving: new Map(Object.entries(scene.arriving ?? {})),
    settled: new Set(scene.settled ?? []),
  };
  const records = new Map<string, CallRecord | null>(known.active.map((id) => [id, stored.get(id)!]));
  for (const id of recordsWanted(known)) records.set(id, stored.get(id) ?? null);
  return planReconcile({ ...known, records, suspected: scene.suspected ?? new Map() });
}

const inHold = (...ids: string[]) => ({ 'c1-hold': ids });
const inTalk = (...ids: string[]) => ({ 'c1-talk': ids });

type Row = [name: string, scene: Scene, expected: Partial<ReconcileAction>[]];

const rows: Row[] = [
  // Waiting in a queue.
  [
    'waiting, in holding: music again after a start',
    { calls: [call({ state: 'waiting' })], channels: [caller('c1')], bridges: inHold('c1') },
    [{ what: 'music', callId: 'c1', why: 'music on hold started again' }],
  ],
  [
    'waiting, not in holding',
    { calls: [call({ state: 'waiting' })], channels: [caller('c1')] },
    [
      {
        what: 'to-hold',
        callId: 'c1',
        destroyTalk: false,
        why: 'the caller is not in holding, though the call is waiting',
      },
    ],
  ],
  [
    'waiting, caller gone',
    { calls: [call({ state: 'waiting' })] },
    [
      {
        what: 'end',
        callId: 'c1',
        why: 'the caller is gone',
        reason: 'caller gone while we were away',
        mediaNodeLost: false,
      },
    ],
  ],
  [
    'waiting, caller gone with an Asterisk that restarted since the call arrived',
    { calls: [call({ state: 'waiting' })], startedAt: 5_000 },
    [
      {
        what: 'end',
        callId: 'c1',
        why: 'the caller went with the Asterisk that ran before this one',
        reason: 'caller lost with a restart of Asterisk',
        mediaNodeLost: true,
      },
    ],
  ],
  [
    'waiting, caller gone, Asterisk does not say when it started',
    { calls: [call({ state: 'waiting' })], startedAt: Number.NaN },
    [{ what: 'end', callId: 'c1', mediaNodeLost: false }],
  ],
  [
    'waiting, an old operator leg still ringing (the offer went back to the queue)',
    {
      calls: [call({ state: 'waiting', operatorChannelId: 'c1-op1' })],
      channels: [caller('c1'), leg('c1-op1', 'Ringing')],
      bridges: inHold('c1'),
    },
    [
      { what: 'music', callId: 'c1' },
      { what: 'stale-leg', channelId: 'c1-op1', why: 'leg c1-op1 is no longer the call’s (the call is waiting)' },
    ],
  ],

  // Connecting: an operator's phone rings.
  [
    'connecting, operator leg ringing',
    {
      calls: [call({ state: 'connecting', operatorChannelId: 'c1-op1' })],
      channels: [caller('c1'), leg('c1-op1', 'Ringing')],
      bridges: inHold('c1'),
    },
    [{ what: 'music', callId: 'c1' }],
  ],
  [
    'connecting, operator leg gone',
    {
      calls: [call({ state: 'connecting', operatorChannelId: 'c1-op1' })],
      channels: [caller('c1')],
      bridges: inHold('c1'),
    },
    [{ what: 'requeue', callId: 'c1', operatorChannelId: 'c1-op1', why: 'the operator leg is gone' }],
  ],
  [
    'connecting, operator leg answered unseen',
    {
      calls: [call({ state: 'connecting', operatorChannelId: 'c1-op1' })],
      channels: [caller('c1'), leg('c1-op1')],
      bridges: inHold('c1'),
    },
    [{ what: 'answer', callId: 'c1', operatorChannelId: 'c1-op1', why: 'the operator answered unseen' }],
  ],
  [
    'connecting without a leg named',
    { calls: [call({ state: 'connecting' })], channels: [caller('c1')] },
    [{ what: 'requeue', callId: 'c1', operatorChannelId: '' }],
  ],
  [
    'connecting, caller gone (before the operator leg is judged)',
    { calls: [call({ state: 'connecting', operatorChannelId: 'c1-op1' })], channels: [leg('c1-op1')] },
    [{ what: 'end', callId: 'c1', reason: 'caller gone while we were away' }],
  ],

  // Answered: caller and operator talk.
  [
    'answered, both in the talk bridge',
    { calls: [answered()], channels: [caller('c1'), leg('c1-op1')], bridges: inTalk('c1', 'c1-op1') },
    [],
  ],
  [
    'answered, caller out of the talk bridge (a failed ARI step)',
    { calls: [answered()], channels: [caller('c1'), leg('c1-op1')], bridges: inTalk('c1-op1') },
    [{ what: 'to-talk', callId: 'c1', missing: ['c1'], why: 'c1 not in the talk bridge, though the call is answered' }],
  ],
  [
    'answered, operator out of the talk bridge',
    { calls: [answered()], channels: [caller('c1'), leg('c1-op1')], bridges: inTalk('c1') },
    [{ what: 'to-talk', callId: 'c1', missing: ['c1-op1'] }],
  ],
  [
    'answered, talk bridge gone',
    { calls: [answered()], channels: [caller('c1'), leg('c1-op1')] },
    [
      {
        what: 'to-talk',
        callId: 'c1',
        missing: ['c1', 'c1-op1'],
        why: 'c1 and c1-op1 not in the talk bridge, though the call is answered',
      },
    ],
  ],
  [
    'answered, operator leg gone',
    { calls: [answered()], channels: [caller('c1')], bridges: inTalk('c1') },
    [
      {
        what: 'end',
        callId: 'c1',
        operatorChannelId: 'c1-op1',
        why: 'the operator leg is gone',
        reason: 'operator gone while we were away',
      },
    ],
  ],
  [
    'answered, caller gone',
    { calls: [answered()], channels: [leg('c1-op1')], bridges: inTalk('c1-op1') },
    [{ what: 'end', callId: 'c1', reason: 'caller gone while we were away' }],
  ],

  // Held, parked: the caller in holding, the operator alone or gone.
  [
    'held, caller in holding',
    {
      calls: [answered({ control: 'held' })],
      channels: [caller('c1'), leg('c1-op1')],
      bridges: { ...inHold('c1'), ...inTalk('c1-op1') },
    },
    [{ what: 'music', callId: 'c1' }],
  ],
  [
    'held, caller still in talk (the app stopped before moving them)',
    {
      calls: [answered({ control: 'held' })],
      channels: [caller('c1'), leg('c1-op1')],
      bridges: inTalk('c1', 'c1-op1'),
    },
    [
      {
        what: 'to-hold',
        callId: 'c1',
        destroyTalk: false,
        why: 'the caller is not in holding, though the call is held',
      },
    ],
  ],
  [
    'parked while the app was down: the operator’s old leg hung up, the caller to holding, the talk bridge gone',
    {
      calls: [answered({ control: 'parked', operatorChannelId: undefined, operatorId: undefined })],
      channels: [caller('c1'), leg('c1-op1')],
      bridges: inTalk('c1', 'c1-op1'),
    },
    [
      {
        what: 'to-hold',
        callId: 'c1',
        destroyTalk: true,
        why: 'the caller is not in holding, though the call is parked',
      },
      { what: 'stale-leg', channelId: 'c1-op1', why: 'leg c1-op1 is no longer the call’s (the call is parked)' },
    ],
  ],
  [
    'parked, in holding',
    {
      calls: [answered({ control: 'parked', operatorChannelId: undefined })],
      channels: [caller('c1')],
      bridges: inHold('c1'),
    },
    [{ what: 'music', callId: 'c1' }],
  ],
  [
    'parked, caller gone',
    { calls: [answered({ control: 'parked', operatorChannelId: undefined })] },
    [{ what: 'end', callId: 'c1', reason: 'caller gone while we were away' }],
  ],

  // Transfers.
  [
    'blind transfer, target ringing',
    {
      calls: [answered({ control: 'transferring', operatorChannelId: undefined, transferLeg: 'c1-xfer1' })],
      channels: [caller('c1'), leg('c1-xfer1', 'Ringing')],
      bridges: inHold('c1'),
    },
    [{ what: 'music', callId: 'c1' }],
  ],
  [
    'blind transfer, target leg gone (recall due)',
    {
      calls: [answered({ control: 'transferring', operatorChannelId: undefined, transferLeg: 'c1-xfer1' })],
      channels: [caller('c1')],
      bridges: inHold('c1'),
    },
    [{ what: 'transfer-leg-gone', callId: 'c1', transferLeg: 'c1-xfer1', why: 'the transfer target leg is gone' }],
  ],
  [
    'blind transfer begun while the app was down: caller to holding, talk bridge gone, operator’s leg hung up',
    {
      calls: [answered({ control: 'transferring', operatorChannelId: undefined, transferLeg: 'c1-xfer1' })],
      channels: [caller('c1'), leg('c1-op1'), leg('c1-xfer1', 'Ringing')],
      bridges: inTalk('c1', 'c1-op1'),
    },
    [
      { what: 'to-hold', callId: 'c1', destroyTalk: true },
      { what: 'stale-leg', channelId: 'c1-op1' },
    ],
  ],
  [
    'attended transfer, operator consulting the target',
    {
      calls: [answered({ control: 'consulted', transferLeg: 'c1-xfer1' })],
      channels: [caller('c1'), leg('c1-op1'), leg('c1-xfer1')],
      bridges: { ...inHold('c1'), ...inTalk('c1-op1', 'c1-xfer1') },
    },
    [{ what: 'music', callId: 'c1' }],
  ],
  [
    'attended transfer, target leg gone while ringing',
    {
      calls: [answered({ control: 'consulting', transferLeg: 'c1-xfer1' })],
      channels: [caller('c1'), leg('c1-op1')],
      bridges: { ...inHold('c1'), ...inTalk('c1-op1') },
    },
    [{ what: 'transfer-leg-gone', callId: 'c1', transferLeg: 'c1-xfer1' }],
  ],
  [
    'attended transfer completed while the app was down: caller into talk with the target, operator’s leg hung up',
    {
      calls: [answered({ control: 'transferred', operatorChannelId: undefined, transferLeg: 'c1-xfer1' })],
      channels: [caller('c1'), leg('c1-op1'), leg('c1-xfer1')],
      bridges: { ...inHold('c1'), ...inTalk('c1-op1', 'c1-xfer1') },
    },
    [
      {
        what: 'to-talk',
        callId: 'c1',
        missing: ['c1'],
        why: 'c1 not in the talk bridge, though the call is transferred',
      },
      { what: 'stale-leg', channelId: 'c1-op1', why: 'leg c1-op1 is no longer the call’s (the call is transferred)' },
    ],
  ],
  [
    'attended transfer cancelled while the app was down: target hung up, caller back with the operator',
    {
      calls: [answered({ transferLeg: 'c1-xfer1', transferOutcome: 'cancelled' })],
      channels: [caller('c1'), leg('c1-op1'), leg('c1-xfer1')],
      bridges: { ...inHold('c1'), ...inTalk('c1-op1', 'c1-xfer1') },
    },
    [
      { what: 'to-talk', callId: 'c1', missing: ['c1'] },
      { what: 'stale-leg', channelId: 'c1-xfer1', why: 'leg c1-xfer1 is no longer the call’s (the call is answered)' },
    ],
  ],
  [
    'transferred, caller and target talk',
    {
      calls: [answered({ control: 'transferred', operatorChannelId: undefined, transferLeg: 'c1-xfer1' })],
      channels: [caller('c1'), leg('c1-xfer1')],
      bridges: inTalk('c1', 'c1-xfer1'),
    },
    [],
  ],
  [
    'transferred, target hung up unseen',
    {
      calls: [answered({ control: 'transferred', operatorChannelId: undefined, transferLeg: 'c1-xfer1' })],
      channels: [caller('c1')],
      bridges: inTalk('c1'),
    },
    [{ what: 'transfer-leg-gone', callId: 'c1', transferLeg: 'c1-xfer1' }],
  ],

  // Call-backs: no channel until the citizen is dialled.
  ['call-back scheduled', { calls: [callback({ state: 'scheduled' })] }, []],
  ['call-back waiting in its queue', { calls: [callback({ state: 'waiting' })] }, []],
  [
    'call-back ringing its operator',
    {
      calls: [callback({ state: 'connecting', operatorChannelId: 'b-cb-op1' })],
      channels: [leg('b-cb-op1', 'Ringing')],
    },
    [],
  ],
  [
    'call-back, operator leg gone',
    { calls: [callback({ state: 'connecting', operatorChannelId: 'b-cb-op1' })] },
    [
      {
        what: 'requeue',
        callId: 'b-cb',
        operatorChannelId: 'b-cb-op1',
        callback: true,
        why: 'the call-back’s operator leg is gone',
      },
    ],
  ],
  [
    'call-back, operator answered unseen',
    { calls: [callback({ state: 'connecting', operatorChannelId: 'b-cb-op1' })], channels: [leg('b-cb-op1')] },
    [
      {
        what: 'answer',
        callId: 'b-cb',
        operatorChannelId: 'b-cb-op1',
        callback: true,
        why: 'the call-back’s operator answered unseen',
      },
    ],
  ],
  [
    'call-back answered, operator and citizen on the line',
    {
      calls: [callback({ state: 'answered', operatorChannelId: 'b-cb-op1' })],
      channels: [leg('b-cb-op1'), leg('b-cb-dial')],
    },
    [],
  ],
  [
    'call-back answered, citizen leg gone',
    { calls: [callback({ state: 'answered', operatorChannelId: 'b-cb-op1' })], channels: [leg('b-cb-op1')] },
    [
      {
        what: 'end',
        callId: 'b-cb',
        why: 'a leg of the call-back is gone',
        reason: 'call-back leg gone while we were away',
      },
    ],
  ],
  [
    'call-back answered, operator leg gone',
    { calls: [callback({ state: 'answered', operatorChannelId: 'b-cb-op1' })], channels: [leg('b-cb-dial')] },
    [{ what: 'end', callId: 'b-cb' }],
  ],
  [
    'call-back back in its queue, its citizen leg still up',
    { calls: [callback({ state: 'waiting', operatorChannelId: 'b-cb-op1' })], channels: [leg('b-cb-dial')] },
    [{ what: 'stale-leg', channelId: 'b-cb-dial', why: 'leg b-cb-dial is no longer the call’s (the call is waiting)' }],
  ],

  // Ended in Redis, the caller still on the line: the ending prompt, then the hang-up.
  [
    'ended: call-back booked',
    { calls: [call({ state: 'ended', outcome: 'callback-booked' })], channels: [caller('c1')] },
    [
      {
        what: 'release-ended',
        callId: 'c1',
        prompts: ['overflow-callback-booked'],
        why: 'the call has ended (callback-booked) but its caller is still on the line',
        reason: 'its call had ended (callback-booked) with the caller still on the line',
      },
    ],
  ],
  [
    'ended: overflowed, nobody to answer',
    { calls: [call({ state: 'ended', outcome: 'overflowed', overflow: 'no-operator' })], channels: [caller('c1')] },
    [{ what: 'release-ended', prompts: ['overflow-no-operator'] }],
  ],
  [
    'ended: overflowed past the maximum wait',
    { calls: [call({ state: 'ended', outcome: 'overflowed', overflow: 'max-wait' })], channels: [caller('c1')] },
    [{ what: 'release-ended', prompts: ['overflow-busy'] }],
  ],
  [
    'ended: closed',
    { calls: [call({ state: 'ended', outcome: 'closed' })], channels: [caller('c1')] },
    [{ what: 'release-ended', prompts: ['closed', 'closed-alternatives'] }],
  ],
  [
    'ended: set-up failed',
    { calls: [call({ state: 'ended', outcome: 'setup-failed' })], channels: [caller('c1')] },
    [{ what: 'release-ended', prompts: ['overloaded'] }],
  ],
  [
    'ended: answered (nothing to say)',
    { calls: [call({ state: 'ended', outcome: 'answered' })], channels: [caller('c1')] },
    [{ what: 'release-ended', prompts: [] }],
  ],
  [
    'ended, the operator’s leg still up',
    { calls: [call({ state: 'ended', outcome: 'answered', operatorChannelId: 'c1-op1' })], channels: [leg('c1-op1')] },
    [{ what: 'stale-leg', channelId: 'c1-op1', why: 'leg c1-op1 is no longer the call’s (the call is ended)' }],
  ],

  // Channels without a call.
  [
    'a caller in our app unknown to the queues (the set-up was cut short)',
    { channels: [caller('x1')] },
    [{ what: 'arrive', channelId: 'x1', why: 'a caller in our app unknown to the queues' }],
  ],
  [
    'a caller being set up now, after a start',
    { channels: [caller('x1')], arriving: { x1: NOW - 1_000 } },
    [{ what: 'arrive', channelId: 'x1' }],
  ],
  [
    'a direct-dial caller talking to the extension, after a start',
    { channels: [caller('x1')], settled: ['x1'] },
    [{ what: 'arrive', channelId: 'x1' }],
  ],
  ['a caller in another Stasis app', { channels: [caller('x1', { app: 'other-app' })] }, []],
  [
    'a channel in no Stasis app',
    {
      channels: [
        {
          id: 'x1',
          state: 'Up',
          dialplan: { context: 'default', exten: '100', priority: 1, app_name: 'Dial', app_data: 'PJSIP/100' },
        },
      ],
    },
    [],
  ],
  ['an extension leg of a direct-dial call, in our app', { channels: [caller('x1-ext1')] }, []],
  [
    'an operator leg of no call',
    { channels: [leg('gone-op1')] },
    [{ what: 'stale-leg', channelId: 'gone-op1', why: 'leg gone-op1 is no longer the call’s (no such call)' }],
  ],
  ['a transfer leg of no call', { channels: [leg('gone-xfer2')] }, [{ what: 'stale-leg', channelId: 'gone-xfer2' }]],

  // Another node's calls: their channels are on an Asterisk this instance cannot see.
  ['another node’s waiting call', { calls: [call({ state: 'waiting', mediaNode: 'node-b' })] }, []],
  ['another node’s answered call', { calls: [answered({ mediaNode: 'node-b' })] }, []],
  [
    'a call recorded without a node is judged here',
    { calls: [call({ state: 'waiting', mediaNode: undefined })] },
    [{ what: 'end', callId: 'c1' }],
  ],
];

describe('reconcile plan after a start or reconnect: every call state against what Asterisk shows', () => {
  it.each(rows)('%s', (_name, scene, expected) => {
    expect(plan(scene).due.map((found) => found.action)).toEqual(
      expected.map((action) => expect.objectContaining(action)),
    );
  });
});

describe('periodic reconcile: a repair is made only when the previous run found it on the same unchanged record', () => {
  const waitingOutOfHolding = { calls: [call({ state: 'waiting' })], channels: [caller('c1')] };

  it('first found: nothing done, remembered for the next run', () => {
    const first = plan({ ...waitingOutOfHolding, periodic: true });
    expect(first.due).toEqual([]);
    expect([...first.suspected.keys()]).toEqual(['to-hold:c1']);
  });

  it('found again on the same record: made', () => {
    const { suspected } = plan({ ...waitingOutOfHolding, periodic: true });
    expect(plan({ ...waitingOutOfHolding, periodic: true, suspected }).due.map((f) => f.action)).toEqual([
      expect.objectContaining({ what: 'to-hold', callId: 'c1' }),
    ]);
  });

  it('found again on a record that changed meanwhile (a change in flight): not made', () => {
    const { suspected } = plan({ ...waitingOutOfHolding, periodic: true });
    const changed = { ...waitingOutOfHolding, calls: [call({ state: 'waiting', attempts: 2 })] };
    expect(plan({ ...changed, periodic: true, suspected }).due).toEqual([]);
  });

  it('no music restarted periodically for callers in holding', () => {
    expect(
      plan({ calls: [call({ state: 'waiting' })], channels: [caller('c1')], bridges: inHold('c1'), periodic: true })
        .suspected.size,
    ).toBe(0);
  });

  it('after a start or reconnect: everything at once, nothing remembered', () => {
    const { suspected } = plan({ ...waitingOutOfHolding, periodic: true });
    const atStart = plan({
      ...waitingOutOfHolding,
      suspected: new Map([...suspected].map(([key]) => [key, 'another record'])),
    });
    expect(atStart.due.map((f) => f.key)).toEqual(['to-hold:c1']);
    expect(atStart.suspected.size).toBe(0);
  });

  it.each<[string, Scene]>([
    ['a caller being set up', { channels: [caller('x1')], arriving: { x1: NOW - 60_000 } }],
    ['a direct-dial caller talking to the extension', { channels: [caller('x1')], settled: ['x1'] }],
  ])('%s is left alone', (_name, scene) => {
    expect(plan({ ...scene, periodic: true }).suspected.size).toBe(0);
  });

  it('a set-up stuck longer than ARRIVAL_STUCK_MS is run again', () => {
    const stuck: Scene = { channels: [caller('x1')], arriving: { x1: NOW - ARRIVAL_STUCK_MS - 1 }, periodic: true };
    const { suspected } = plan(stuck);
    expect(plan({ ...stuck, suspected }).due.map((f) => f.action)).toEqual([
      expect.objectContaining({ what: 'arrive', channelId: 'x1' }),
    ]);
  });
});

describe('what a reconcile does besides repairs', () => {
  it('after a start, takes over what waiting callers hear (not a call-back’s, not a caller gone, not periodically)', () => {
    const scene: Scene = {
      calls: [
        call({ state: 'waiting' }),
        call({ callId: 'c2', state: 'waiting' }),
        callback({ state: 'waiting' }),
        answered({ callId: 'c3' }),
      ],
      channels: [caller('c1'), caller('c3')],
    };
    expect(plan(scene).resumeWaiting).toEqual(['c1']);
    expect(plan({ ...scene, periodic: true }).resumeWaiting).toEqual([]);
  });

  it('forgets callers being set up or settled whose channel is gone', () => {
    expect(
      plan({ channels: [caller('x1')], arriving: { x1: NOW, x2: NOW }, settled: ['x3'], periodic: true }).forget,
    ).toEqual(['x2', 'x3']);
  });

  it('reads the records of legs’ calls and of unknown callers, once, besides the active calls', () => {
    const known = {
      periodic: false,
      app: APP,
      mediaNode: NODE,
      now: NOW,
      active: ['c1'],
      view: {
        channels: new Map(
          [
            caller('c1'),
            leg('c1-op1'),
            leg('d-op1'),
            leg('d-xfer1'),
            leg('e-cb-dial'),
            caller('x1'),
            caller('x1-ext1'),
          ].map((c) => [c.id, c]),
        ),
        bridges: new Map(),
        startedAt: STARTED,
      },
      arriving: new Map(),
      settled: new Set<string>(),
    };
    expect(recordsWanted(known)).toEqual(['d', 'e-cb', 'x1']);
  });
});
