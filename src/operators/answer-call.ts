import type { CallRecord } from '../calls/call-record.js';
import type { DirectoryStore } from '../directory/directory-store.js';
import { AppError } from '../errors.js';
import { log } from '../log.js';
import type { NodeRouter } from '../media/nodes/node-router.js';
import type { OperatorLegSettings } from '../media/operator-leg.js';
import type { CallQueue } from '../queue/call-queue.js';
import type { OperatorStore } from './operator-store.js';

export interface AnswerDeps {
  queue: CallQueue;
  operators: OperatorStore;
  directory: DirectoryStore;
  leg: OperatorLegSettings;
  /** Rings on the caller's media node, whichever instance that is (media/nodes/). */
  nodes: Pick<NodeRouter, 'ring' | 'assertCanRing'>;
}

/** Ghosts (callers gone unseen) one answer-next ends before it gives up looking; each is one claim and one look-up. */
const MAX_GONE_PER_ANSWER = 20;

/**
 * An operator takes a call: the next one of the queues they serve, or the one they picked.
 * The claim in Redis is atomic (only one operator can get a call); then the caller's media node
 * rings the operator's phone, if the caller is still on the line: one who hung up unseen is
 * ended there and the next call is taken in the same request (a picked one: 409). If the node
 * cannot be asked, the call goes straight back to its place.
 */
export async function answerCall(
  deps: AnswerDeps,
  operatorId: string,
  pickedCallId?: string,
): Promise<CallRecord | null> {
  // The operator's own mistakes first, then no media node to ring on (503) — both before anything is claimed.
  const operator = await deps.operators.get(operatorId);
  if (!operator)
    throw new AppError(409, 'operator_not_logged_in', 'Log in as an operator (with your phone) before taking calls');
  if (operator.state === 'paused')
    throw new AppError(409, 'operator_paused', 'You are paused: say you are ready before taking calls');
  await deps.nodes.assertCanRing();
  const node = { mediaNode: deps.leg.mediaNode };
  for (let gone = 0; gone < MAX_GONE_PER_ANSWER; gone++) {
    const call = pickedCallId
      ? await deps.queue.claimCall(operatorId, pickedCallId, node)
      : await deps.queue.claimNext(operatorId, node);
    if (!call) return null;
    const operatorChannelId = call.operatorChannelId!;
    let rung;
    try {
      const municipality = await deps.directory.getMunicipality(call.municipalityId);
      rung = await deps.nodes.ring(call, {
        operatorChannelId,
        phone: operator.phone,
        municipalityName: municipality?.name ?? call.municipalityId,
      });
    } catch (error) {
      await deps.queue.requeue(call.callId, operatorChannelId);
      log.warn(
        { callId: call.callId, operatorId, mediaNode: call.mediaNode, err: error },
        'could not ring the operator; call back in its place',
      );
      throw error;
    }
    if (rung === 'ringing') {
      log.info(
        { callId: call.callId, operatorId, operatorChannelId, mediaNode: call.mediaNode, phone: operator.phone },
        'ringing operator',
      );
      return call;
    }
    log.info(
      { callId: call.callId, operatorId, mediaNode: call.mediaNode },
      'the caller had hung up unseen: call ended, not rung',
    );
    if (pickedCallId) throw new AppError(409, 'call_not_waiting', `call ${pickedCallId} has ended: the caller hung up`);
  }
  log.warn(
    { operatorId },
    `answer-next met ${MAX_GONE_PER_ANSWER} callers gone unseen in a row; the operator may ask again`,
  );
  return null;
}
