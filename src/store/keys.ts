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
 * | {p}:call:{callId}                | hash   | the call record (see calls/call-record.ts)                 |
 * | {p}:calls:active                 | set    | ids of calls not yet ended (reconciled with ARI at start)  |
 * | {p}:calls:by-time                | zset   | every call id, score = enqueuedAt (ms)                     |
 * | {p}:calls:by-municipality:{id}   | zset   | call ids of one municipality, score = enqueuedAt (ms)      |
 * | {p}:operator:{operatorId}        | hash   | operator session: phone, municipalities, state, callId     |
 * | {p}:operators                    | set    | ids of logged-in operators                                 |
 * | {p}:token:{sha256}               | string | JSON of an API token (name, role, expiry); the key is the hash |
 * | {p}:tokens                       | hash   | token id -> sha256, to list and revoke tokens by id        |
 * | {p}:audit:{municipalityId|region}| stream | audit log of admin changes, one stream per scope           |
 *
 * Lua scripts build {p}:call:{id}, {p}:queue:{id} and {p}:operator:{id} keys themselves from the
 * prefix (store/lua/_shared.lua: keep the two in step), so the store assumes one Redis (not a
 * cluster); the prefix is passed to every script as ARGV[1].
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
  };
}
