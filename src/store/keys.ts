/**
 * Every Redis key Regionväxeln uses, in one place. All keys share a prefix so that several
 * deployments (or parallel tests) can share one Redis without touching each other.
 *
 * | key                              | type   | holds                                                      |
 * | -------------------------------- | ------ | ---------------------------------------------------------- |
 * | {p}:municipality:{id}            | string | JSON of the municipality as configured (name, greeting...)  |
 * | {p}:municipalities               | set    | ids (SCB kommunkod) of the member municipalities           |
 * | {p}:route:{e164}                 | string | JSON RouteTarget of one called number (main/regional/DID)  |
 * | {p}:routes                       | set    | every number that has a {p}:route key (to remove stale ones) |
 * | {p}:did-ranges                   | zset   | member "start:end:municipalityId", score = end (E.164 digits) |
 * | {p}:queue-seq                    | string | counter giving each enqueued call its place in line        |
 * | {p}:queue:{municipalityId}       | zset   | waiting call ids, score = place in line (lower = earlier)  |
 * | {p}:queue-boost:{munId}:{seconds}| zset   | the waiting calls of one priority boost, score = place (claim-1.lua reads their head) |
 * | {p}:queue-boosts:{munId}         | set    | the boosts (seconds) that have a queue-boost sub-queue     |
 * | {p}:call:{callId}                | hash   | the call record (see calls/call-record.ts); ended ones removed after CALL_RECORD_RETENTION_DAYS |
 * | {p}:calls:active                 | set    | ids of calls not yet ended (reconciled with ARI at start)  |
 * | {p}:calls:by-time                | zset   | every call id, score = enqueuedAt (ms)                     |
 * | {p}:calls:by-municipality:{id}   | zset   | call ids of one municipality, score = enqueuedAt (ms)      |
 * | {p}:operator:{operatorId}        | hash   | operator session: phone, municipalities, weights, state, stateSince, callId, pauseReason/Note, wrapUpUntil |
 * | {p}:operators                    | set    | ids of logged-in operators                                 |
 * | {p}:token:{sha256}               | string | JSON of an API token (name, role, expiry); the key is the hash |
 * | {p}:tokens                       | hash   | token id -> sha256, to list and revoke tokens by id        |
 * | {p}:token-revocations            | pubsub | channel: the id of each token revoked, so open event sockets close at once (events/) |
 * | {p}:operator-token-accounts      | hash   | operator token id -> id of the operator account it logged in as (statistics name calls by account) |
 * | {p}:audit:{municipalityId|region}| stream | audit log of admin changes, one stream per scope           |
 * | {p}:admin:{type}:{id}            | hash   | a versioned admin object (extension, number): version, municipalityId, sortKey, label, claims, refs, doc (JSON) |
 * | {p}:admin:{type}:{id}:secret     | string | its secret (an extension's SIP digest HA1), never in a response or the audit log |
 * | {p}:admin-version                | string | counter raised by every admin change (store/lua/_admin.lua): app instances drop their cached configuration when it moves |
 * | {p}:admin-index:{type}           | zset   | "sortKey id" of every object of a type, score 0 (lexicographic: list order and cursors) |
 * | {p}:admin-index:{type}:{munId}   | zset   | the same, of one municipality                              |
 * | {p}:claim:{kind}:{value}         | string | "{type}:{id}" of the object holding a region-wide unique value (kind extension or e164) |
 * | {p}:claim-refs:{kind}:{value}    | set    | "{type}:{id}" of objects pointing at that value (a number routed to an extension) |
 * | {p}:directory:entries            | hash   | directory entry id -> JSON of the entry (person, department, function) |
 * | {p}:directory:by-municipality:{id}| zset  | entry ids of one municipality, all score 0, so BYLEX pages through them |
 * | {p}:directory:extensions         | hash   | extension -> id of the directory entry that has it (unique among entries in the region) |
 * | {p}:directory:numbers            | hash   | E.164 number -> id of the directory entry that has it (unique among entries in the region) |
 * | {p}:directory:changes            | stream | every change of an entry: seq, id, entry JSON (none when deleted); capped |
 * | {p}:directory:change-seq         | string | counter numbering those changes, so a reader that missed some notices the gap |
 * | {p}:import:{importId}            | hash   | an import's journal (import/staged-import.ts): kind, municipalityId, actor, rows, startedAt, lock, state, chunks, applied |
 * | {p}:import:{importId}:chunks     | hash   | chunk number -> JSON of the import's staged rows (ops) of that chunk; applied ones removed |
 * | {p}:import:{importId}:ids        | set    | every object id the import's rows name (kept, changed or deleted), for its checks |
 * | {p}:import-switch                | hash   | the fence while an import is checked and switched over: importId, holder, leaseUntil (ms) |
 * | {p}:import-lock:{kind}:{munId}   | string | importId of the import of that kind under way for that municipality (expires) |
 * | {p}:contacts:{extension}         | zset   | SIP contact URIs registered for an extension, score = expiry (ms) |
 * | {p}:contacts-at:{host:port}      | zset   | "{extension} {contact URI}" of the bindings at that address, score = expiry (ms): who a 112 call from there is (store/lua/contact-binding-2.lua keeps it in step) |
 * | {p}:sip-nc:{nonce}:{nc}          | string | a digest nonce count used once (qop=auth), expires with the nonce (sip-edge/security/nonce-counts.ts) |
 * | {p}:sip-auth-fail:{scope}:{key}  | string | failed digest attempts of a source (scope `source`) or a source and extension (`source-extension`) within the window, or the block (rate-limiter-flexible's key and value) |
 * | {p}:extension-pin:{extensionId} | string | scrypt hash of the PIN a person signs in with on the personal page (self-service/extension-pins.ts), never the PIN |
 * | {p}:self-sign-in-fail:{ext}      | string | failed PIN sign-ins for an extension number within the window, or the lockout (rate-limiter-flexible's key and value) |
 * | {p}:park:{municipalityId}        | zset   | parked call ids of a municipality, score = parkedAt (ms) (store/lua/control-*.lua) |
 * | {p}:callbacks:scheduled          | zset   | booked call-backs whose window has not begun, score = windowFrom (ms) |
 * | {p}:message:{id}                 | hash   | a message for an absent person (calls/messages/); removed after MESSAGE_RETENTION_DAYS |
 * | {p}:messages:by-municipality:{id}| zset   | message ids of a municipality, score = created (µs)       |
 * | {p}:messages:by-recipient:{r}    | zset   | message ids for one person, r = "entry:{id}" (directory entry), score = created (µs) |
 * | {p}:messages:delivery-due        | zset   | message ids to send by e-mail, score = when the next attempt is due (ms) (calls/messages/message-delivery.ts) |
 * | {p}:message-recording:{id}       | string | the WAV a caller spoke as a voice message (media/arrival/voice-message.ts), beside its message and removed with it |
 * | {p}:events                       | stream | every call, queue and operator change: type, municipalityId, fields; id = sequence; capped ~100 000 (events/) |
 * | {p}:spoken-text:{sha256}         | string | JSON {voice, text} of a stored text given out as audio (media/spoken-text/); expires 30 days after last use |
 * | {p}:media-node:{node}            | string | a media node's heartbeat: the id of the app instance that has its Asterisk; expires a few seconds after the last beat (media/nodes/) |
 * | {p}:media-nodes                  | zset   | every media node heard of, score = its last heartbeat (ms), or the arrival of a call on it |
 * | {p}:media-nodes:swept            | hash   | node -> the last heartbeat at which its calls were ended as lost (store/lua/media-node-sweep-3.lua) |
 * | {p}:node-commands:{node}         | list   | JSON commands for the instance that has that media node (ring an operator, call control); expires when nobody reads it |
 * | {p}:node-replies:{instanceId}    | list   | JSON replies to the commands an app instance sent to other nodes; expires when nobody reads it |
 * | {p}:dial-cap:{extension}:{day}   | hash   | an extension's external calls and minutes of one local day (yyyy-mm-dd, Europe/Stockholm), capReached; expires ~2 days later (dialling/) |
 * | {p}:softphone:{operatorId}       | string | JSON {endpoint, mediaNode, expiresAt} of the operator's browser phone (no password); expires with it (media/softphone/) |
 * | {p}:softphones:{node}            | zset   | browser phones' endpoint names created on that media node's Asterisk, score = expiry (ms): the node's sweep deletes them |
 * | {p}:metrics:calls                | hash   | the region's call counts since the first call: ended calls by municipality and outcome, short abandons, answered calls' waits (store/lua/_shared.lua count_ended_call; metrics/call-counts.ts) |
 *
 * Lua scripts build {p}:call:{id}, {p}:queue:{id}, {p}:queue-boost(s):..., {p}:operator:{id} keys themselves from the
 * prefix (store/lua/_shared.lua: keep the two in step; emit_event there writes {p}:events and {p}:metrics:calls), so the store assumes one Redis (not a
 * cluster); the prefix is passed to every script as ARGV[1]. Likewise store/lua/admin-change-3.lua
 * builds the admin-index, claim and claim-refs keys, and the key of a claim's holder.
 * store/lua/_shared.lua (park_key) builds {p}:park:{id}.
 * store/lua/_admin.lua (admin_apply) builds {p}:admin-version.
 * store/lua/enqueue-6.lua builds {p}:operators (admission: does a logged-in operator serve the municipality).
 * store/lua/overflow-apply-1.lua builds {p}:calls:active (a call the queue policy ends) and the target's {p}:queue:{id}.
 * store/lua/calls-prune-1.lua builds {p}:calls:by-municipality:{id} and {p}:park:{id} of the records it removes.
 * store/lua/_shared.lua (media_node_key, media_node_dead) builds {p}:media-node:{node} and reads {p}:media-nodes
 * (claim-1.lua, list-waiting-1.lua, media-node-sweep-3.lua); enqueue-6.lua adds the call's node to {p}:media-nodes.
 * store/lua/messages-prune-1.lua builds {p}:message:{id}, {p}:message-recording:{id}, {p}:messages:by-recipient:entry:{id} and {p}:messages:delivery-due[:sms] of the messages it removes.
 * store/lua/message-delivery-*.lua build {p}:message:{id} of the message they claim or report on.
 * store/lua/_directory.lua builds {p}:directory:by-municipality:{id} for an entry it deletes.
 * store/lua/_import.lua builds {p}:import-switch, the chunks, ids and lock keys of a journal, and (as the directory's
 * and admin scripts do) the directory and admin keys an import's rows write.
 */
export interface Keys {
  readonly prefix: string;
  municipality(id: string): string;
  municipalities(): string;
  route(e164: string): string;
  routes(): string;
  didRanges(): string;
  queueSeq(): string;
  queue(municipalityId: string): string;
  call(callId: string): string;
  activeCalls(): string;
  callsByTime(): string;
  callsByMunicipality(municipalityId: string): string;
  operator(operatorId: string): string;
  operators(): string;
  token(sha256: string): string;
  tokens(): string;
  /** A pub/sub channel, not a key. */
  tokenRevocations(): string;
  operatorTokenAccounts(): string;
  audit(scope: string): string;
  adminObject(type: string, id: string): string;
  adminSecret(type: string, id: string): string;
  adminVersion(): string;
  /** Every object of a type, or one municipality's. */
  adminIndex(type: string, municipalityId?: string): string;
  /** `claim` is "{kind}:{value}", e.g. "extension:2460123" or "e164:+4693514123". */
  claim(claim: string): string;
  claimRefs(claim: string): string;
  directoryEntries(): string;
  directoryByMunicipality(municipalityId: string): string;
  directoryExtensions(): string;
  directoryNumbers(): string;
  directoryChanges(): string;
  directoryChangeSeq(): string;
  /** An import's journal; its chunks and ids are this key with ":chunks" and ":ids". */
  importJournal(importId: string): string;
  importSwitch(): string;
  /** One import of a kind ("directory", "extension") at a time per municipality. */
  importLock(kind: string, municipalityId: string): string;
  contacts(extension: string): string;
  /** `hostPort` as a binding's URI has it: "10.24.96.7:5060", "[fd00::7]:5061". */
  contactsAt(hostPort: string): string;
  sipNonceCount(nonce: string, nc: string): string;
  /** The prefix rate-limiter-flexible puts before its own key (it appends ":{key}"). */
  sipAuthFailures(scope: 'source' | 'source-extension'): string;
  extensionPin(extensionId: string): string;
  /** The prefix rate-limiter-flexible puts before its own key (it appends ":{extension}"). */
  selfSignInFailures(): string;
  events(): string;
  park(municipalityId: string): string;
  scheduledCallbacks(): string;
  message(id: string): string;
  messagesByMunicipality(municipalityId: string): string;
  messagesByRecipient(recipient: string): string;
  /** Messages due to be sent on a channel (calls/messages/message-delivery.ts): e-mail's set keeps the name it had alone. */
  messagesDeliveryDue(channel: string): string;
  /** Binary: the recording of a voice message, written and removed with `message(id)`. */
  messageRecording(id: string): string;
  /** `sha256` names the audio in its URL (media/spoken-text/spoken-texts.ts spokenTextHash). */
  spokenText(sha256: string): string;
  mediaNode(node: string): string;
  mediaNodes(): string;
  mediaNodesSwept(): string;
  nodeCommands(node: string): string;
  nodeReplies(instanceId: string): string;
  /** `day` is the local date, yyyy-mm-dd (dialling/dialling-guard.ts). */
  dialCap(extension: string, day: string): string;
  metricsCalls(): string;
  softphone(operatorId: string): string;
  softphones(node: string): string;
}

export function keys(prefix = 'rv'): Keys {
  return {
    prefix,
    municipality: (id) => `${prefix}:municipality:${id}`,
    municipalities: () => `${prefix}:municipalities`,
    route: (e164) => `${prefix}:route:${e164}`,
    routes: () => `${prefix}:routes`,
    didRanges: () => `${prefix}:did-ranges`,
    queueSeq: () => `${prefix}:queue-seq`,
    queue: (id) => `${prefix}:queue:${id}`,
    call: (id) => `${prefix}:call:${id}`,
    activeCalls: () => `${prefix}:calls:active`,
    callsByTime: () => `${prefix}:calls:by-time`,
    callsByMunicipality: (id) => `${prefix}:calls:by-municipality:${id}`,
    operator: (id) => `${prefix}:operator:${id}`,
    operators: () => `${prefix}:operators`,
    token: (sha256) => `${prefix}:token:${sha256}`,
    tokens: () => `${prefix}:tokens`,
    tokenRevocations: () => `${prefix}:token-revocations`,
    operatorTokenAccounts: () => `${prefix}:operator-token-accounts`,
    audit: (scope) => `${prefix}:audit:${scope}`,
    adminObject: (type, id) => `${prefix}:admin:${type}:${id}`,
    adminSecret: (type, id) => `${prefix}:admin:${type}:${id}:secret`,
    adminVersion: () => `${prefix}:admin-version`,
    adminIndex: (type, municipalityId) =>
      `${prefix}:admin-index:${type}${municipalityId === undefined ? '' : `:${municipalityId}`}`,
    claim: (claim) => `${prefix}:claim:${claim}`,
    claimRefs: (claim) => `${prefix}:claim-refs:${claim}`,
    directoryEntries: () => `${prefix}:directory:entries`,
    directoryByMunicipality: (id) => `${prefix}:directory:by-municipality:${id}`,
    directoryExtensions: () => `${prefix}:directory:extensions`,
    directoryNumbers: () => `${prefix}:directory:numbers`,
    directoryChanges: () => `${prefix}:directory:changes`,
    directoryChangeSeq: () => `${prefix}:directory:change-seq`,
    importJournal: (importId) => `${prefix}:import:${importId}`,
    importSwitch: () => `${prefix}:import-switch`,
    importLock: (kind, municipalityId) => `${prefix}:import-lock:${kind}:${municipalityId}`,
    contacts: (extension) => `${prefix}:contacts:${extension}`,
    contactsAt: (hostPort) => `${prefix}:contacts-at:${hostPort}`,
    sipNonceCount: (nonce, nc) => `${prefix}:sip-nc:${nonce}:${nc}`,
    sipAuthFailures: (scope) => `${prefix}:sip-auth-fail:${scope}`,
    extensionPin: (extensionId) => `${prefix}:extension-pin:${extensionId}`,
    selfSignInFailures: () => `${prefix}:self-sign-in-fail`,
    park: (municipalityId) => `${prefix}:park:${municipalityId}`,
    scheduledCallbacks: () => `${prefix}:callbacks:scheduled`,
    message: (id) => `${prefix}:message:${id}`,
    messagesByMunicipality: (municipalityId) => `${prefix}:messages:by-municipality:${municipalityId}`,
    messagesByRecipient: (recipient) => `${prefix}:messages:by-recipient:${recipient}`,
    messagesDeliveryDue: (channel) =>
      channel === 'email' ? `${prefix}:messages:delivery-due` : `${prefix}:messages:delivery-due:${channel}`,
    messageRecording: (id) => `${prefix}:message-recording:${id}`,
    events: () => `${prefix}:events`,
    spokenText: (sha256) => `${prefix}:spoken-text:${sha256}`,
    mediaNode: (node) => `${prefix}:media-node:${node}`,
    mediaNodes: () => `${prefix}:media-nodes`,
    mediaNodesSwept: () => `${prefix}:media-nodes:swept`,
    nodeCommands: (node) => `${prefix}:node-commands:${node}`,
    nodeReplies: (instanceId) => `${prefix}:node-replies:${instanceId}`,
    dialCap: (extension, day) => `${prefix}:dial-cap:${extension}:${day}`,
    metricsCalls: () => `${prefix}:metrics:calls`,
    softphone: (operatorId) => `${prefix}:softphone:${operatorId}`,
    softphones: (node) => `${prefix}:softphones:${node}`,
  };
}
