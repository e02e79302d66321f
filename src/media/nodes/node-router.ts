import { z } from 'zod';
import type { CallRecord, TransferMode } from '../../calls/call-record.js';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import type { CallQueue } from '../../queue/call-queue.js';
import type { AriConnection } from '../ari-connection.js';
import { channelExists } from '../call-media.js';
import type { CallControl, TransferTarget } from '../call-control/call-control.js';
import { type OperatorLegSettings, ringOperator } from '../operator-leg.js';
import type { CallControlCommand, NodeCommand, NodeCommandBus } from './node-commands.js';

/** What ringing an operator for a claimed call came to: their phone rings, or the caller had gone (the call is ended). */
const RingResultSchema = z.enum(['ringing', 'caller-gone']);
export type RingResult = z.infer<typeof RingResultSchema>;

export interface RingRequest {
  operatorChannelId: string;
  /** The operator's phone as they logged in with it (media/operator-leg.ts checks it again). */
  phone: string;
  /** Shown on the operator's phone with the caller's number. */
  municipalityName: string;
}

export interface NodeRouterDeps {
  /** This instance's media node (MEDIA_NODE_ID). */
  node: string;
  queue: Pick<CallQueue, 'get'>;
  ari: Pick<AriConnection, 'client'>;
  leg: OperatorLegSettings;
  /** Call control on this node's Asterisk. */
  control: CallControl;
  /** The other nodes' instances; without it (HTTP tests) a call on another node is a 503. */
  commands?: Pick<NodeCommandBus, 'send' | 'othersUp'> | undefined;
}

/**
 * Several media nodes answer as one region: an operator logged in through any instance takes,
 * transfers, parks and retrieves calls that wait on any node. Every media step of a call runs
 * on its caller's node (the record's mediaNode), by the instance that has that node's ARI: here
 * when it is this instance's, else forwarded over Redis (node-commands.ts) and run there by
 * `runHere`. Redis decides as before, wherever the request came in; only Asterisk's part moves.
 */
export function createNodeRouter(deps: NodeRouterDeps) {
  /**
   * Rings the operator of a claimed call, once its offer is still this one and its caller still
   * on the line: a caller who hung up unseen (the hang-up fell in a Redis outage, or between
   * reconciles) is ended here, and no operator's phone rings for a ghost.
   */
  async function ringHere(request: RingRequest & { callId: string }): Promise<RingResult> {
    const client = deps.ari.client();
    const { callId, operatorChannelId } = request;
    const call = await deps.queue.get(callId);
    if (!call || call.state !== 'connecting' || call.operatorChannelId !== operatorChannelId) {
      throw new AppError(
        409,
        'call_not_connecting',
        `call ${callId} is no longer being offered on ${operatorChannelId}`,
      );
    }
    // A call-back has no caller on the line until its citizen is dialled.
    if (call.kind !== 'callback' && !(await channelExists(client, callId))) {
      await deps.control.endCall(client, callId, 'the caller was gone when their operator was to be rung');
      return 'caller-gone';
    }
    await ringOperator(client, deps.leg, {
      call,
      operatorChannelId,
      phone: request.phone,
      municipalityName: request.municipalityName,
    });
    return 'ringing';
  }

  /** A command on this node (the caller's node is this instance's, or another instance forwarded it). */
  async function runHere(command: NodeCommand): Promise<unknown> {
    if (command.kind === 'ring') return ringHere(command);
    const action = command.control;
    if (action.method === 'releaseBookedCaller') return deps.control.releaseBookedCaller(action.callId);
    if (action.method === 'transfer')
      return deps.control.transfer(action.callId, action.operatorId, action.target, action.mode);
    return deps.control[action.method](action.callId, action.operatorId);
  }

  async function runOn(node: string | undefined, command: NodeCommand): Promise<unknown> {
    // A call without a node was queued before nodes were recorded: this instance's, as then.
    if (node === undefined || node === deps.node) return runHere(command);
    if (!deps.commands)
      throw new AppError(503, 'media_node_down', `the call's media node ${node} cannot be reached from this instance`);
    log.debug({ mediaNode: node, kind: command.kind }, 'forwarding to the instance of the call’s media node');
    return deps.commands.send(node, command);
  }

  /** An operator's call control action, on the call's node; the call as Redis has it after. */
  async function control(action: CallControlCommand): Promise<CallRecord> {
    const before = await deps.queue.get(action.callId);
    if (!before) throw new AppError(404, 'call_not_found', `No call has the id ${action.callId}`);
    const result = await runOn(before.mediaNode, { kind: 'control', control: action });
    if (before.mediaNode === undefined || before.mediaNode === deps.node) return result as CallRecord;
    // Forwarded: the record is read here rather than trusted from the other instance's JSON.
    return (await deps.queue.get(action.callId)) ?? before;
  }

  return {
    runHere,

    /**
     * Refuses (503 ari_unavailable) before anything is claimed when no media node can ring an
     * operator: this instance's Asterisk is out of reach and no other node beats. (The claim
     * offers only callers on nodes that beat: store/lua/claim-1.lua.)
     */
    async assertCanRing(): Promise<void> {
      try {
        deps.ari.client();
      } catch (error) {
        if (!(await deps.commands?.othersUp())) throw error;
      }
    },

    /** Rings the operator of a claimed call on its caller's node (see ringHere). */
    async ring(call: CallRecord, request: RingRequest): Promise<RingResult> {
      return RingResultSchema.parse(await runOn(call.mediaNode, { kind: 'ring', callId: call.callId, ...request }));
    },

    /** Call control for the HTTP API, each action run on its call's node. */
    control: {
      hold: (callId: string, operatorId: string) => control({ method: 'hold', callId, operatorId }),
      unhold: (callId: string, operatorId: string) => control({ method: 'unhold', callId, operatorId }),
      transfer: (callId: string, operatorId: string, target: TransferTarget, mode: TransferMode) =>
        control({ method: 'transfer', callId, operatorId, target, mode }),
      completeTransfer: (callId: string, operatorId: string) =>
        control({ method: 'completeTransfer', callId, operatorId }),
      cancelTransfer: (callId: string, operatorId: string) => control({ method: 'cancelTransfer', callId, operatorId }),
      park: (callId: string, operatorId: string) => control({ method: 'park', callId, operatorId }),
      retrieve: (callId: string, operatorId: string) => control({ method: 'retrieve', callId, operatorId }),
      hangUpCall: (callId: string, operatorId: string) => control({ method: 'hangUpCall', callId, operatorId }),
      async releaseBookedCaller(callId: string): Promise<void> {
        const call = await deps.queue.get(callId);
        await runOn(call?.mediaNode, { kind: 'control', control: { method: 'releaseBookedCaller', callId } });
      },
    } satisfies Pick<CallControl, CallControlCommand['method']>,
  };
}

export type NodeRouter = ReturnType<typeof createNodeRouter>;
