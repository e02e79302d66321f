-- Queue policy decisions (queue/policy/): a waiting call that reaches a limit leaves its queue
-- for its overflow target, in one step with the check, so that an operator never takes a call
-- that is being overflowed and no call overflows twice.
--
-- Two modes:
--
-- 'admit': just after a call was enqueued (store/lua/enqueue.lua). Writes the arrival's extra
-- record fields, then: no logged-in operator serves the municipality → the noOperator target;
-- else the call's position is beyond maxLength → the maxLength target; else it stays.
--   KEYS[1] {p}:call:{callId}
--   KEYS[2] {p}:operators
--   ARGV[1] key prefix   ARGV[2] 'admit'   ARGV[3] callId
--   ARGV[4] maxLength ('' = none)   ARGV[5] its target kind   ARGV[6] its target municipality
--   ARGV[7] noOperator target kind ('' = none)   ARGV[8] its target municipality
--   ARGV[9], ARGV[10]... record fields as name, value pairs (extension, reasonDetail)
--   Returns { {callId, action, cause, position} } (one) — action 'stay' or as below.
--
-- 'sweep': every call of one municipality's queue that has waited maxWait or longer (since its
-- enqueuedAt, which a requeue or an earlier move keeps) goes to the maxWait target. A call that
-- overflowed once never overflows again (no ping-pong between two queues). A booked call-back
-- never overflows: it has no caller on the line to play to, its enqueuedAt is the original
-- call's (so it would be "too long" at once), and the citizen was promised the call.
--   KEYS[1] {p}:queue:{municipalityId}
--   KEYS[2] {p}:operators (unused; the same keys for both modes)
--   ARGV[1] key prefix   ARGV[2] 'sweep'   ARGV[3] maxWait ms
--   ARGV[4] target kind   ARGV[5] target municipality
--   Returns { {callId, action, cause, position}, ... } for the calls moved or ended.
--
-- 'end': a call whose call-back offer (below) was not taken ends now, as 'message' would have.
--   KEYS[1] {p}:call:{callId}   KEYS[2] {p}:operators (unused)
--   ARGV[1] key prefix   ARGV[2] 'end'   ARGV[3] callId
--   Returns { {callId, action, cause, 0} }, action 'stay' when the call no longer waits.
--
-- Actions: 'queue' (moved to the target municipality's queue at its own place in line; the
-- record's municipalityId becomes the target's, overflowFrom the old one; position in the new
-- queue), 'message' (the call ended, outcome overflowed: the app plays the message and hangs
-- up), 'callback' (the call keeps waiting, marked, while the app offers a call-back: pressing 1
-- books it through calls/callbacks/, anything else ends it with mode 'end').
-- The record's `overflow` names the cause.
-- Safe to retry: a moved or ended call no longer qualifies.
-- Errors: call_not_found (admit).

local prefix, mode = ARGV[1], ARGV[2]

local function apply(call_id, call, cause, kind, target)
  local key = call_key(prefix, call_id)
  local now = now_ms()
  if kind == 'callback' then
    redis.call('HSET', key, 'overflow', cause)
    emit_event(prefix, 'call.overflowed', call.municipalityId, { 'callId', call_id, 'cause', cause, 'to', 'callback-offer' })
    return { call_id, 'callback', cause, position(prefix, call.municipalityId, call_id) }
  end
  queue_remove(prefix, call.municipalityId, call_id, call.priorityBoostSeconds)
  if kind == 'queue' then
    -- The boost goes along: a priority caller stays one in the queue that takes them over.
    queue_add(prefix, target, call_id, tonumber(call.place), call.priorityBoostSeconds)
    redis.call('HSET', key, 'municipalityId', target, 'overflowFrom', call.municipalityId, 'overflow', cause)
    local pos = position(prefix, target, call_id)
    emit_event(prefix, 'call.overflowed', call.municipalityId, { 'callId', call_id, 'cause', cause, 'to', target })
    emit_event(prefix, 'call.queued', target, { 'callId', call_id, 'position', pos, 'overflowFrom', call.municipalityId })
    return { call_id, 'queue', cause, pos }
  end
  redis.call('HSET', key, 'state', 'ended', 'outcome', 'overflowed', 'overflow', cause,
    'endedAt', now, 'waitMs', now - tonumber(call.enqueuedAt))
  redis.call('SREM', prefix .. ':calls:active', call_id)
  emit_event(prefix, 'call.ended', call.municipalityId, { 'callId', call_id, 'outcome', 'overflowed', 'cause', cause })
  return { call_id, kind, cause, 0 }
end

local function served_by_someone(municipality_id)
  for _, operator_id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local served = redis.call('HGET', operator_key(prefix, operator_id), 'municipalities')
    if served then
      for _, id in ipairs(cjson.decode(served)) do
        if id == municipality_id then
          return true
        end
      end
    end
  end
  return false
end

if mode == 'admit' then
  local call_id = ARGV[3]
  local call = read_hash(KEYS[1])
  if not call then
    fail('call_not_found')
  end
  if #ARGV >= 9 and call.state ~= 'ended' then
    for i = 9, #ARGV, 2 do
      redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    end
  end
  local pos = position(prefix, call.municipalityId, call_id)
  if call.state ~= 'waiting' or call.overflow then
    return { { call_id, 'stay', '', pos } }
  end
  if ARGV[7] ~= '' and not served_by_someone(call.municipalityId) then
    return { apply(call_id, call, 'no-operator', ARGV[7], ARGV[8]) }
  end
  if ARGV[4] ~= '' and pos > tonumber(ARGV[4]) then
    return { apply(call_id, call, 'max-length', ARGV[5], ARGV[6]) }
  end
  return { { call_id, 'stay', '', pos } }
end

if mode == 'end' then
  local call_id = ARGV[3]
  local call = read_hash(KEYS[1])
  if not call or call.state ~= 'waiting' then
    return { { call_id, 'stay', '', 0 } }
  end
  return { apply(call_id, call, call.overflow or 'max-wait', 'message', '') }
end

-- sweep
local max_wait, kind, target = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local now = now_ms()
local done = {}
for _, call_id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local call = read_hash(call_key(prefix, call_id))
  if call and call.state == 'waiting' and not call.overflow and call.kind ~= 'callback' and now - tonumber(call.enqueuedAt) >= max_wait then
    table.insert(done, apply(call_id, call, 'max-wait', kind, target))
  end
end
return done
