import { readdirSync, readFileSync } from 'node:fs';
import { defineScript, ErrorReply, type CommandParser } from 'redis';
import { AppError } from '../errors.js';
import { probes } from '../metrics/probes.js';

/**
 * Every Lua script of the project, one per atomic change (src/store/lua/<name>-<numKeys>.lua,
 * bullmq's convention: the file name says how many KEYS the script takes, its header documents
 * them and its ARGV). Registered on the client (redis-client.ts), node-redis calls them by
 * EVALSHA and falls back to EVAL when the server answers NOSCRIPT (e.g. after a restart emptied
 * its script cache).
 *
 * Calling convention: `client.<script>(keys, args)` where args[0] is always the key prefix,
 * from which a script builds the keys it only learns while running (the queue of the
 * municipality a call belongs to, the operator a call is offered to).
 */
const LUA = new URL('./lua/', import.meta.url);
const LUA_FILES = readdirSync(LUA);

/**
 * The helper files (lua/_<topic>.lua) a script runs behind, because Redis Lua has no include:
 * _shared.lua for every script (fail, calls, queues, operators, events); _admin.lua for the
 * versioned admin store and what checks against it (directory-*, import-*); _directory.lua for
 * directory entries (directory-*, import-*); _import.lua for staged imports.
 */
function helpersOf(name: string): string[] {
  if (name.startsWith('admin-')) return ['_shared', '_admin'];
  if (name.startsWith('directory-')) return ['_shared', '_admin', '_directory'];
  if (name.startsWith('import-')) return ['_shared', '_admin', '_directory', '_import'];
  return ['_shared'];
}

/** The script lua/<name>-<numKeys>.lua, behind its helpers, as a node-redis script taking exactly numKeys keys. */
function script(name: string, { readOnly = false } = {}) {
  const files = LUA_FILES.filter((file) => new RegExp(`^${name}-(\\d+)\\.lua$`).test(file));
  if (files.length !== 1) throw new Error(`expected one src/store/lua/${name}-<numKeys>.lua, found ${files.length}`);
  const file = files[0]!;
  const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)![1]);
  const read = (path: string) => readFileSync(new URL(path, LUA), 'utf8');
  return defineScript({
    SCRIPT: [...helpersOf(name).map((helper) => read(`${helper}.lua`)), read(file)].join('\n'),
    NUMBER_OF_KEYS: numberOfKeys,
    IS_READ_ONLY: readOnly,
    parseCommand(parser: CommandParser, keys: readonly string[], args: readonly string[]) {
      if (keys.length !== numberOfKeys)
        throw new Error(`script ${name} takes ${numberOfKeys} keys, got ${keys.length}`);
      parser.pushKeys([...keys]);
      parser.push(...args);
    },
    // Replies are checked where they are used (callers know the shape), so none is assumed here.
    transformReply: (reply: unknown): unknown => reply,
  });
}

export const scripts = {
  queueEnqueue: script('enqueue'),
  queueClaim: script('claim'),
  queueMarkAnswered: script('mark-answered'),
  queueRequeue: script('requeue'),
  queueFinish: script('finish'),
  queueListWaiting: script('list-waiting', { readOnly: true }),
  operatorLogin: script('operator-login'),
  operatorLogout: script('operator-logout'),
  operatorPause: script('operator-pause'),
  operatorReady: script('operator-ready'),
  adminChange: script('admin-change'),
  directoryPutEntry: script('directory-put-entry'),
  directoryDeleteEntry: script('directory-delete-entry'),
  importOpen: script('import-open'),
  importStage: script('import-stage'),
  importFence: script('import-fence'),
  importCover: script('import-cover'),
  importCheck: script('import-check'),
  importCommit: script('import-commit'),
  importApply: script('import-apply'),
  importAbort: script('import-abort'),
  overflowApply: script('overflow-apply'),
  arrivalEnded: script('arrival-ended'),
  controlOperatorAction: script('control-operator-action'),
  controlLegAnswered: script('control-leg-answered'),
  controlLegEnded: script('control-leg-ended'),
  controlRetrieve: script('control-retrieve'),
  controlParkList: script('control-park-list'),
  callbackBook: script('callback-book'),
  callbackRelease: script('callback-release'),
  callbackCancel: script('callback-cancel'),
  callbackUnanswered: script('callback-unanswered'),
  callsPrune: script('calls-prune'),
  mediaNodeBeat: script('media-node-beat'),
  mediaNodeSweep: script('media-node-sweep'),
  dialCapAdmit: script('dial-cap-admit'),
  contactBinding: script('contact-binding'),
  messagesPrune: script('messages-prune'),
  messageDeliveryClaim: script('message-delivery-claim'),
  messageDeliveryReport: script('message-delivery-report'),
};

/** What a call script's refusal is about, for the error message (SCRIPT_ERRORS: the codes of the call, queue and operator scripts). */
export interface ScriptSubject {
  callId?: string;
  operatorId?: string;
  operatorChannelId?: string;
}

const SCRIPT_ERRORS = {
  call_not_found: { status: 404, message: (s: ScriptSubject) => `call ${s.callId} does not exist` },
  call_exists: { status: 409, message: (s: ScriptSubject) => `call id ${s.callId} is already used by another call` },
  call_not_waiting: { status: 409, message: (s: ScriptSubject) => `call ${s.callId} is not waiting in a queue` },
  call_not_connecting: {
    status: 409,
    message: (s: ScriptSubject) => `call ${s.callId} is not being offered to an operator`,
  },
  operator_leg_stale: {
    status: 409,
    message: (s: ScriptSubject) => `operator leg ${s.operatorChannelId} is not the current offer of call ${s.callId}`,
  },
  municipality_not_served: {
    status: 403,
    message: (s: ScriptSubject) => `operator ${s.operatorId} does not serve the municipality of call ${s.callId}`,
  },
  operator_not_logged_in: { status: 409, message: (s: ScriptSubject) => `operator ${s.operatorId} is not logged in` },
  operator_busy: { status: 409, message: (s: ScriptSubject) => `operator ${s.operatorId} is busy with a call` },
  operator_paused: {
    status: 409,
    message: (s: ScriptSubject) => `operator ${s.operatorId} is paused: say you are ready first`,
  },
  call_not_answered: {
    status: 409,
    message: (s: ScriptSubject) => `call ${s.callId} is not answered (it waits, rings, or ended)`,
  },
  not_your_call: {
    status: 403,
    message: (s: ScriptSubject) => `call ${s.callId} is not answered by operator ${s.operatorId}`,
  },
  call_control_conflict: {
    status: 409,
    message: (s: ScriptSubject) =>
      `call ${s.callId} is not in a state that allows this (held, transferring or parked already?)`,
  },
  call_not_parked: { status: 409, message: (s: ScriptSubject) => `call ${s.callId} is not parked` },
  call_not_bookable: {
    status: 409,
    message: (s: ScriptSubject) =>
      `no call-back can be booked on call ${s.callId}: only on a call that waits or is answered`,
  },
  callback_not_found: {
    status: 404,
    message: (s: ScriptSubject) =>
      `call-back ${s.callId} does not exist (no such call, or a call that is not a call-back)`,
  },
  callback_offered: {
    status: 409,
    message: (s: ScriptSubject) => `call-back ${s.callId} cannot be cancelled: it is ringing an operator's phone`,
  },
  callback_answered: {
    status: 409,
    message: (s: ScriptSubject) => `call-back ${s.callId} cannot be cancelled: an operator has answered it`,
  },
  callback_ended: {
    status: 409,
    message: (s: ScriptSubject) => `call-back ${s.callId} cannot be cancelled: it has already ended`,
  },
  phone_not_on_node: {
    status: 409,
    message: (s: ScriptSubject) =>
      `call ${s.callId} waits on another media node than the one your browser phone is registered on; it keeps its place for another operator`,
  },
  media_node_down: {
    status: 503,
    message: (s: ScriptSubject) =>
      `the media node (Asterisk) of call ${s.callId} cannot be reached right now; the call keeps its place`,
  },
} as const satisfies Record<string, { status: AppError['status']; message: (s: ScriptSubject) => string }>;

export type ScriptErrorCode = keyof typeof SCRIPT_ERRORS;

/** A script's refusal, "RV <code> <JSON detail>" as fail (lua/_shared.lua) raises it. */
export interface ScriptFailure {
  code: string;
  detail: Record<string, unknown>;
}

/** The one reader of a script's refusal; undefined for any other error (a connection, a bug in a script). */
export function scriptFailure(error: unknown): ScriptFailure | undefined {
  const match = error instanceof ErrorReply ? /^RV (\w+) (\{.*\})/s.exec(error.message) : null;
  return match ? { code: match[1]!, detail: JSON.parse(match[2]!) as Record<string, unknown> } : undefined;
}

/** The AppError a refusal stands for where the script was called, or undefined for one that is not the caller's (a 500). */
export type ExplainFailure = (failure: ScriptFailure) => AppError | undefined | Promise<AppError | undefined>;

/**
 * Awaits a script call and turns a refusal into the AppError it stands for: the call scripts'
 * codes by the table above, with `subject` named in the message, or whatever `explain` makes
 * of it. Any other failure (connection, a bug in a script, a code not explained) is rethrown
 * as it is: an internal error, not the caller's.
 */
export async function runScript<T>(pending: Promise<T>, explain: ScriptSubject | ExplainFailure): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    const failure = scriptFailure(error);
    probes.scriptError(failure?.code ?? 'error');
    if (!failure) throw error;
    throw (await (typeof explain === 'function' ? explain(failure) : callFailure(failure, explain))) ?? error;
  }
}

function callFailure({ code }: ScriptFailure, subject: ScriptSubject): AppError | undefined {
  if (!Object.hasOwn(SCRIPT_ERRORS, code)) return undefined;
  const known = SCRIPT_ERRORS[code as ScriptErrorCode];
  return new AppError(known.status, code, known.message(subject));
}

/** A flat HGETALL reply from a script (field, value, field, value...) as an object. */
export function hashReply(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply) || reply.length % 2 !== 0)
    throw new Error(`expected a hash from a script, got ${JSON.stringify(reply)}`);
  const hash: Record<string, string> = {};
  for (let i = 0; i < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
  return hash;
}
