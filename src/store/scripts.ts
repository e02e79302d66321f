import { readFileSync } from 'node:fs';
import { defineScript, ErrorReply, type CommandParser } from 'redis';
import { AppError } from '../errors.js';

/**
 * The Lua scripts that make every state change of calls and operator sessions atomic, one
 * script per change (src/store/lua/<name>.lua, KEYS and ARGV documented in each header).
 * Registered on the client (redis-client.ts), node-redis calls them by EVALSHA and falls back
 * to EVAL when the server answers NOSCRIPT (e.g. after a restart emptied its script cache).
 *
 * Calling convention: `client.<script>(keys, args)` where args[0] is always the key prefix,
 * from which a script builds the keys it only learns while running (the queue of the
 * municipality a call belongs to, the operator a call is offered to).
 */
const STORE_LUA = new URL('./lua/', import.meta.url);
/**
 * The store's scripts, each behind the shared helpers: the admin ones for admin-*; for import-*
 * also the directory's (an import writes directory entries or admin objects) and _import.lua.
 */
const DIRECTORY_SHARED = new URL('../directory/entries/lua/_shared', import.meta.url).href;
const preludesOf = (name: string) =>
  name.startsWith('admin-') ? ['_shared', '_admin'] : name.startsWith('import-') ? ['_shared', '_admin', DIRECTORY_SHARED, '_import'] : ['_shared'];
const script = (name: string, numberOfKeys: number, { readOnly = false } = {}) => luaScript(STORE_LUA, name, numberOfKeys, { preludes: preludesOf(name), readOnly });

export const scripts = {
  queueEnqueue: script('enqueue', 6),
  queueClaim: script('claim', 1),
  queueMarkAnswered: script('mark-answered', 1),
  queueRequeue: script('requeue', 1),
  queueFinish: script('finish', 2),
  queueListWaiting: script('list-waiting', 1, { readOnly: true }),
  operatorLogin: script('operator-login', 2),
  operatorLogout: script('operator-logout', 2),
  operatorPause: script('operator-pause', 1),
  operatorReady: script('operator-ready', 1),
  adminChange: script('admin-change', 3),
  importOpen: script('import-open', 2),
  importStage: script('import-stage', 1),
  importFence: script('import-fence', 1),
  importCover: script('import-cover', 2),
  importCheck: script('import-check', 1),
  importCommit: script('import-commit', 1),
  importApply: script('import-apply', 1),
  importAbort: script('import-abort', 1),
  overflowApply: script('overflow-apply', 1),
  arrivalEnded: script('arrival-ended', 4),
  controlOperatorAction: script('control-operator-action', 1),
  controlLegAnswered: script('control-leg-answered', 1),
  controlLegEnded: script('control-leg-ended', 1),
  controlRetrieve: script('control-retrieve', 2),
  controlParkList: script('control-park-list', 1),
  callbackBook: script('callback-book', 6),
  callbackRelease: script('callback-release', 1),
  callbackCancel: script('callback-cancel', 4),
  callbackUnanswered: script('callback-unanswered', 2),
  callsPrune: script('calls-prune', 1),
  mediaNodeBeat: script('media-node-beat', 2),
  mediaNodeSweep: script('media-node-sweep', 3),
  dialCapAdmit: script('dial-cap-admit', 1),
  contactBinding: script('contact-binding', 2),
  messagesPrune: script('messages-prune', 1),
};

/**
 * A Lua script of `folder` (a file URL, lua/<name>.lua beside its module) as a node-redis
 * script: the preludes (files of shared helpers) go in front of it, because Redis Lua has no
 * include. Every module's scripts are defined here so that one client (redis-client.ts) carries
 * them all.
 */
export function luaScript(folder: URL, name: string, numberOfKeys: number, { preludes = [] as string[], readOnly = false } = {}) {
  const read = (file: string) => readFileSync(new URL(`${file}.lua`, folder), 'utf8');
  return defineScript({
    SCRIPT: [...preludes, name].map(read).join('\n'),
    NUMBER_OF_KEYS: numberOfKeys,
    IS_READ_ONLY: readOnly,
    parseCommand(parser: CommandParser, keys: readonly string[], args: readonly string[]) {
      if (keys.length !== numberOfKeys) throw new Error(`script ${name} takes ${numberOfKeys} keys, got ${keys.length}`);
      parser.pushKeys([...keys]);
      parser.push(...args);
    },
    // Replies are checked where they are used (callers know the shape), so none is assumed here.
    transformReply: (reply: unknown): unknown => reply,
  });
}

/** What a script's failure is about, for the error message. */
export interface ScriptSubject {
  callId?: string;
  operatorId?: string;
  operatorChannelId?: string;
}

const SCRIPT_ERRORS = {
  call_not_found: { status: 404, message: (s: ScriptSubject) => `call ${s.callId} does not exist` },
  call_exists: { status: 409, message: (s: ScriptSubject) => `call id ${s.callId} is already used by another call` },
  call_not_waiting: { status: 409, message: (s: ScriptSubject) => `call ${s.callId} is not waiting in a queue` },
  call_not_connecting: { status: 409, message: (s: ScriptSubject) => `call ${s.callId} is not being offered to an operator` },
  operator_leg_stale: { status: 409, message: (s: ScriptSubject) => `operator leg ${s.operatorChannelId} is not the current offer of call ${s.callId}` },
  municipality_not_served: { status: 403, message: (s: ScriptSubject) => `operator ${s.operatorId} does not serve the municipality of call ${s.callId}` },
  operator_not_logged_in: { status: 409, message: (s: ScriptSubject) => `operator ${s.operatorId} is not logged in` },
  operator_busy: { status: 409, message: (s: ScriptSubject) => `operator ${s.operatorId} is busy with a call` },
  operator_paused: { status: 409, message: (s: ScriptSubject) => `operator ${s.operatorId} is paused: say you are ready first` },
  call_not_answered: { status: 409, message: (s: ScriptSubject) => `call ${s.callId} is not answered (it waits, rings, or ended)` },
  not_your_call: { status: 403, message: (s: ScriptSubject) => `call ${s.callId} is not answered by operator ${s.operatorId}` },
  call_control_conflict: { status: 409, message: (s: ScriptSubject) => `call ${s.callId} is not in a state that allows this (held, transferring or parked already?)` },
  call_not_parked: { status: 409, message: (s: ScriptSubject) => `call ${s.callId} is not parked` },
  call_not_bookable: { status: 409, message: (s: ScriptSubject) => `no call-back can be booked on call ${s.callId}: only on a call that waits or is answered` },
  callback_not_found: { status: 404, message: (s: ScriptSubject) => `call-back ${s.callId} does not exist (no such call, or a call that is not a call-back)` },
  callback_offered: { status: 409, message: (s: ScriptSubject) => `call-back ${s.callId} cannot be cancelled: it is ringing an operator's phone` },
  callback_answered: { status: 409, message: (s: ScriptSubject) => `call-back ${s.callId} cannot be cancelled: an operator has answered it` },
  callback_ended: { status: 409, message: (s: ScriptSubject) => `call-back ${s.callId} cannot be cancelled: it has already ended` },
  media_node_down: { status: 503, message: (s: ScriptSubject) => `the media node (Asterisk) of call ${s.callId} cannot be reached right now; the call keeps its place` },
} as const satisfies Record<string, { status: AppError['status']; message: (s: ScriptSubject) => string }>;

export type ScriptErrorCode = keyof typeof SCRIPT_ERRORS;

/**
 * Awaits a script call and turns the "RV <code>" errors that scripts raise (see _shared.lua)
 * into AppErrors with the code's HTTP status. Any other failure (connection, a bug in a
 * script) is rethrown as it is: an internal error, not the caller's.
 */
export async function runScript<T>(pending: Promise<T>, subject: ScriptSubject): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    const code = error instanceof ErrorReply ? /^RV (\w+)/.exec(error.message)?.[1] : undefined;
    if (code !== undefined && Object.hasOwn(SCRIPT_ERRORS, code)) {
      const known = SCRIPT_ERRORS[code as ScriptErrorCode];
      throw new AppError(known.status, code, known.message(subject));
    }
    throw error;
  }
}

/** A flat HGETALL reply from a script (field, value, field, value...) as an object. */
export function hashReply(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply) || reply.length % 2 !== 0) throw new Error(`expected a hash from a script, got ${JSON.stringify(reply)}`);
  const hash: Record<string, string> = {};
  for (let i = 0; i < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
  return hash;
}
