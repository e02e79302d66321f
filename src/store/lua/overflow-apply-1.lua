-- Queue policy decisions (queue/policy/): a waiting call that reaches a limit leaves its queue
-- for its overflow target, in one step with the check, so that an operator never takes a call
-- that is being overflowed and no call overflows twice.
--
-- Two modes (admission, at arrival, is part of store/lua/enqueue-6.lua):
--
-- 'sweep': every call of one municipality's queue that has waited maxWait or longer (since its
-- enqueuedAt, which a requeue or an earlier move keeps) goes to the maxWait target. A call that
-- overflowed once never overflows again (no ping-pong between two queues). A booked call-back
-- never overflows: it has no caller on the line to play to, its enqueuedAt is the original
-- call's (so it would be "too long" at once), and the citizen was promised the call.
-- Nor does a call that an operator has answered once (answeredAt) and that came back to the
-- queue (a blind transfer nobody answered, a retrieve or recall whose operator did not answer):
-- its enqueuedAt is its arrival, so it would be "too long" at once, and the citizen, whose
-- matter an operator has begun, is not to be sent to a message or another queue for the
-- switchboard's own failed attempt. It keeps its original place, ahead of all who came after it.
-- A caller whose number cannot be called back (_shared.lua can_call_back) is never offered a
-- call-back: a 'callback' target is 'message' for them (as in enqueue-6.lua).
--   KEYS[1] {p}:queue:{municipalityId}
--   ARGV[1] key prefix   ARGV[2] 'sweep'   ARGV[3] maxWait ms
--   ARGV[4] target kind   ARGV[5] target municipality
--   Returns { {callId, action, cause, position}, ... } for the calls moved or ended.
--
-- 'end': a call whose call-back offer (below) was not taken ends now, as 'message' would have.
--   KEYS[1] {p}:call:{callId}
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

local prefix, mode = ARGV[1], ARGV[2]

local function apply(call_id, call, cause, kind, target)
  local key = call_key(prefix, call_id)
  local now = now_ms()
  if kind == 'callback' and not can_call_back(call.caller) then
    kind = 'message'
  end
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
  if call and call.state == 'waiting' and not call.overflow and call.kind ~= 'callback' and not call.answeredAt
    and now - tonumber(call.enqueuedAt) >= max_wait then
    table.insert(done, apply(call_id, call, 'max-wait', kind, target))
  end
end
return done
