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
 * | {p}:queue-boost:{munId}:{seconds}| zset   | the waiting calls of one priority boost, score = place (claim.lua reads their head) |
 * | {p}:queue-boosts:{munId}         | set    | the boosts (seconds) that have a queue-boost sub-queue     |
 * | {p}:call:{callId}                | hash   | the call record (see calls/call-record.ts); ended ones removed after CALL_RECORD_RETENTION_DAYS |
 * | {p}:calls:active                 | set    | ids of calls not yet ended (reconciled with ARI at start)  |
 * | {p}:calls:by-time                | zset   | every call id, score = enqueuedAt (ms)                     |
 * | {p}:calls:by-municipality:{id}   | zset   | call ids of one municipality, score = enqueuedAt (ms)      |
 * | {p}:operator:{operatorId}        | hash   | operator session: phone, municipalities, weights, state, stateSince, callId, pauseReason/Note, wrapUpUntil |
 * | {p}:operators                    | set    | ids of logged-in operators                                 |
 * | {p}:token:{sha256}               | string | JSON of an API token (name, role, expiry); the key is the hash |
 * | {p}:tokens                       | hash   | token id -> sha256, to list and revoke tokens by id        |
 * | {p}:audit:{municipalityId|region}| stream | audit log of admin changes, one stream per scope           |
 * | {p}:admin:{type}:{id}            | hash   | a versioned admin object (extension, number): version, municipalityId, sortKey, label, claims, refs, doc (JSON) |
 * | {p}:admin:{type}:{id}:secret     | string | its secret (an extension's SIP digest HA1), never in a response or the audit log |
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
 * | {p}:contacts:{extension}         | zset   | SIP contact URIs registered for an extension, score = expiry (ms) |
 * | {p}:park:{municipalityId}        | zset   | parked call ids of a municipality, score = parkedAt (ms) (store/lua/control-*.lua) |
 * | {p}:callbacks:scheduled          | zset   | booked call-backs whose window has not begun, score = windowFrom (ms) |
 * | {p}:message:{id}                 | hash   | a message for an absent person (calls/messages/)           |
 * | {p}:messages:by-municipality:{id}| zset   | message ids of a municipality, score = created (µs)       |
 * | {p}:messages:by-recipient:{r}    | zset   | message ids for one person, r = "entry:{id}" (directory entry), score = created (µs) |
 * | {p}:events                       | stream | every call, queue and operator change: type, municipalityId, fields; id = sequence; capped ~100 000 (events/) |
 * | {p}:spoken-text:{sha256}         | string | JSON {voice, text} of a stored text given out as audio (media/spoken-text/); expires 30 days after last use |
 *
 * Lua scripts build {p}:call:{id}, {p}:queue:{id}, {p}:queue-boost(s):..., {p}:operator:{id} keys themselves from the
 * prefix (store/lua/_shared.lua: keep the two in step; emit_event there writes {p}:events), so the store assumes one Redis (not a
 * cluster); the prefix is passed to every script as ARGV[1]. Likewise store/lua/admin-change.lua
 * builds the admin-index, claim and claim-refs keys, and the key of a claim's holder.
 * store/lua/_shared.lua (park_key) builds {p}:park:{id}.
 * store/lua/enqueue.lua builds {p}:operators (admission: does a logged-in operator serve the municipality).
 * store/lua/overflow-apply.lua builds {p}:calls:active (a call the queue policy ends) and the target's {p}:queue:{id}.
 * store/lua/calls-prune.lua builds {p}:calls:by-municipality:{id} and {p}:park:{id} of the records it removes.
 * directory/entries/lua/_shared.lua builds {p}:directory:by-municipality:{id} for an entry it deletes.
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
  audit(scope: string): string;
  adminObject(type: string, id: string): string;
  adminSecret(type: string, id: string): string;
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
  contacts(extension: string): string;
  events(): string;
  park(municipalityId: string): string;
  scheduledCallbacks(): string;
  message(id: string): string;
  messagesByMunicipality(municipalityId: string): string;
  messagesByRecipient(recipient: string): string;
  /** `sha256` names the audio in its URL (media/spoken-text/spoken-texts.ts spokenTextHash). */
  spokenText(sha256: string): string;
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
    audit: (scope) => `${prefix}:audit:${scope}`,
    adminObject: (type, id) => `${prefix}:admin:${type}:${id}`,
    adminSecret: (type, id) => `${prefix}:admin:${type}:${id}:secret`,
    adminIndex: (type, municipalityId) => `${prefix}:admin-index:${type}${municipalityId === undefined ? '' : `:${municipalityId}`}`,
    claim: (claim) => `${prefix}:claim:${claim}`,
    claimRefs: (claim) => `${prefix}:claim-refs:${claim}`,
    directoryEntries: () => `${prefix}:directory:entries`,
    directoryByMunicipality: (id) => `${prefix}:directory:by-municipality:${id}`,
    directoryExtensions: () => `${prefix}:directory:extensions`,
    directoryNumbers: () => `${prefix}:directory:numbers`,
    directoryChanges: () => `${prefix}:directory:changes`,
    directoryChangeSeq: () => `${prefix}:directory:change-seq`,
    contacts: (extension) => `${prefix}:contacts:${extension}`,
    park: (municipalityId) => `${prefix}:park:${municipalityId}`,
    scheduledCallbacks: () => `${prefix}:callbacks:scheduled`,
    message: (id) => `${prefix}:message:${id}`,
    messagesByMunicipality: (municipalityId) => `${prefix}:messages:by-municipality:${municipalityId}`,
    messagesByRecipient: (recipient) => `${prefix}:messages:by-recipient:${recipient}`,
    events: () => `${prefix}:events`,
    spokenText: (sha256) => `${prefix}:spoken-text:${sha256}`,
  };
}
