-- Puts a new call at the end of its municipality's queue, with its priority class if any, and,
-- for an arrival (queue/policy/), with the arrival's record fields and the queue policy's
-- admission in the same step: no logged-in operator serves the municipality → the noOperator
-- target; else the queue already holds maxLength calls → the maxLength target. So a call is
-- never in a queue without its fields (extension, reasonDetail) or its admission decided.
--
-- Targets: 'queue' (the call goes into that municipality's queue instead, at its own place in
-- line; the record's municipalityId becomes the target's, overflowFrom its own), 'message'
-- (recorded as ended at once, outcome overflowed, never in a queue: the app plays the message
-- and hangs up), 'callback' (it waits in its queue, marked, while the app offers a call-back;
-- declined, overflow-apply-1.lua 'end' ends it). A caller whose number cannot be called back (not
-- E.164: "anonymous", or not a valid number, which media/arrival/ stores as received) is never
-- offered one: 'callback' is 'message' for them (the same rule as overflow-apply-1.lua's sweep).
-- The record's `overflow` names the cause. The call stays indexed under its own municipality
-- (KEYS[6]): it was offered there.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:queue:{municipalityId}
-- KEYS[3] {p}:queue-seq
-- KEYS[4] {p}:calls:active
-- KEYS[5] {p}:calls:by-time
-- KEYS[6] {p}:calls:by-municipality:{municipalityId}
-- ARGV[1] key prefix
-- ARGV[2] callId   ARGV[3] channelId   ARGV[4] municipalityId
-- ARGV[5] calledNumber   ARGV[6] caller   ARGV[7] reason
-- ARGV[8] priorityClass, or '' for none   ARGV[9] its boost in seconds (0 for none)
-- Optional, for an arrival (none: no admission check):
-- ARGV[10] maxLength ('' = none)   ARGV[11] its target kind   ARGV[12] its target municipality
-- ARGV[13] noOperator target kind ('' = none)   ARGV[14] its target municipality
-- ARGV[15], ARGV[16]... record fields as name, value pairs (extension, reasonDetail, mediaNode)
--
-- Returns {position, record as HGETALL, {callId, action, cause, position}}: position is 1-based
-- in the queue the call is in, 0 when it no longer waits; action 'stay' or the target's kind.
-- Emits call.overflowed (cause, to: a municipality or callback-offer) when admission sent the
-- call on, then call.queued in the queue it entered, or call.ended for a message.
-- Safe to retry: a call id that exists already (the first attempt ran but its reply was lost)
-- returns the stored call, its current position and its admission decision instead of queueing
-- it twice.
-- Errors: call_exists (the id is taken by a different call: other channel or municipality).

local prefix, call_id, channel_id, municipality_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local caller, priority_class, boost = ARGV[6], ARGV[8], tonumber(ARGV[9])
local max_length = tonumber(ARGV[10] or '')
local no_operator_kind = ARGV[13] or ''

local existing = read_hash(KEYS[1])
if existing then
  if existing.channelId ~= channel_id or (existing.overflowFrom or existing.municipalityId) ~= municipality_id then
    fail('call_exists')
  end
  local at = position(prefix, existing.municipalityId, call_id)
  local decision = { call_id, 'stay', '', at }
  if existing.overflow == 'no-operator' or existing.overflow == 'max-length' then
    if existing.overflowFrom then
      decision = { call_id, 'queue', existing.overflow, at }
    elseif existing.state == 'waiting' then
      decision = { call_id, 'callback', existing.overflow, at }
    elseif existing.outcome == 'overflowed' then
      decision = { call_id, 'message', existing.overflow, 0 }
    end
  end
  return { at, redis.call('HGETALL', KEYS[1]), decision }
end

-- Whether a logged-in operator serves the municipality (paused, busy or in wrap-up counts: they
-- will be back; only nobody at all is "no operator").
local function served_by_someone()
  for _, operator_id in ipairs(redis.call('SMEMBERS', prefix .. ':operators')) do
    local served = redis.call('HGET', operator_key(prefix, operator_id), 'municipalities')
    if served and contains(cjson.decode(served), municipality_id) then
      return true
    end
  end
  return false
end

-- The admission decision, made before the call is in any queue.
local cause, kind, target
if no_operator_kind ~= '' and not served_by_someone() then
  cause, kind, target = 'no-operator', no_operator_kind, ARGV[14]
elseif max_length and redis.call('ZCARD', KEYS[2]) >= max_length then
  cause, kind, target = 'max-length', ARGV[11], ARGV[12]
end
if kind == 'callback' and not can_call_back(caller) then
  kind = 'message'
end

local now = now_ms()
-- The place in line is a counter, not a time: FIFO stays strict for calls in the same ms
-- and across app instances, and a requeued call gets exactly its old place back.
local place = redis.call('INCR', KEYS[3])

redis.call('HSET', KEYS[1],
  'callId', call_id,
  'channelId', channel_id,
  'municipalityId', municipality_id,
  'calledNumber', ARGV[5],
  'caller', caller,
  'reason', ARGV[7],
  'state', 'waiting',
  'enqueuedAt', now,
  'place', place,
  'attempts', 0)
if priority_class ~= '' then
  redis.call('HSET', KEYS[1], 'priorityClass', priority_class, 'priorityBoostSeconds', boost)
end
for i = 15, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
-- A caller arriving on a media node says the node is alive now: one never heard of (no
-- heartbeat yet) becomes known, so media-node-sweep-3.lua judges its calls too.
local media_node = redis.call('HGET', KEYS[1], 'mediaNode')
if media_node then
  redis.call('ZADD', prefix .. ':media-nodes', 'GT', now, media_node)
end
redis.call('ZADD', KEYS[5], now, call_id)
redis.call('ZADD', KEYS[6], now, call_id)

if kind == 'message' then
  redis.call('HSET', KEYS[1], 'state', 'ended', 'outcome', 'overflowed', 'overflow', cause, 'endedAt', now, 'waitMs', 0)
  emit_event(prefix, 'call.ended', municipality_id, { 'callId', call_id, 'outcome', 'overflowed', 'cause', cause })
  return { 0, redis.call('HGETALL', KEYS[1]), { call_id, 'message', cause, 0 } }
end

local queued = { 'callId', call_id }
local queue_id = municipality_id
if kind == 'queue' then
  queue_id = target
  redis.call('HSET', KEYS[1], 'municipalityId', target, 'overflowFrom', municipality_id, 'overflow', cause)
  table.insert(queued, 'overflowFrom')
  table.insert(queued, municipality_id)
elseif kind == 'callback' then
  redis.call('HSET', KEYS[1], 'overflow', cause)
end
if cause then
  emit_event(prefix, 'call.overflowed', municipality_id, { 'callId', call_id, 'cause', cause, 'to', kind == 'queue' and target or 'callback-offer' })
end
queue_add(prefix, queue_id, call_id, place, boost)
redis.call('SADD', KEYS[4], call_id)

local at = position(prefix, queue_id, call_id)
table.insert(queued, 'position')
table.insert(queued, at)
table.insert(queued, 'priorityClass')
table.insert(queued, priority_class)
emit_event(prefix, 'call.queued', queue_id, queued)
return { at, redis.call('HGETALL', KEYS[1]), { call_id, kind or 'stay', cause or '', at } }
