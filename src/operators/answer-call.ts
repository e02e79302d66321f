import type { CallRecord } from '../calls/call-record.js';
import type { DirectoryStore } from '../directory/directory-store.js';
import { AppError } from '../errors.js';
import { log } from '../log.js';
import type { AriConnection } from '../media/ari-connection.js';
import { type OperatorLegSettings, ringOperator } from '../media/operator-leg.js';
import type { CallQueue } from '../queue/call-queue.js';
import type { OperatorStore } from './operator-store.js';

export interface AnswerDeps {
  queue: CallQueue;
  operators: OperatorStore;
  directory: DirectoryStore;
  ari: AriConnection;
  leg: OperatorLegSettings;
}

/**
 * An operator takes a call: the next one of the queues they serve, or the one they picked.
 * The claim in Redis is atomic (only one operator can get a call); then Asterisk rings the
 * operator's phone. If Asterisk cannot even be asked, the call goes straight back to its place.
 */
export async function answerCall(deps: AnswerDeps, operatorId: string, pickedCallId?: string): Promise<CallRecord | null> {
  // The operator's own mistake first, then Asterisk's absence (503) — both before anything is claimed.
  const operator = await deps.operators.get(operatorId);
  if (!operator) throw new AppError(409, 'operator_not_logged_in', 'Log in as an operator (with your phone) before taking calls');
  if (operator.state === 'paused') throw new AppError(409, 'operator_paused', 'You are paused: say you are ready before taking calls');
  const client = deps.ari.client();
  const node = { mediaNode: deps.leg.mediaNode };
  const call = pickedCallId ? await deps.queue.claimCall(operatorId, pickedCallId, node) : await deps.queue.claimNext(operatorId, node);
  if (!call) return null;
  const operatorChannelId = call.operatorChannelId!;
  try {
    const municipality = await deps.directory.getMunicipality(call.municipalityId);
    await ringOperator(client, deps.leg, { call, operatorChannelId, phone: operator.phone, municipalityName: municipality?.name ?? call.municipalityId });
    log.info({ callId: call.callId, operatorId, operatorChannelId, phone: operator.phone }, 'ringing operator');
    return call;
  } catch (error) {
    await deps.queue.requeue(call.callId, operatorChannelId);
    log.warn({ callId: call.callId, operatorId, err: error }, 'could not ring the operator; call back in its place');
    throw error;
  }
}
