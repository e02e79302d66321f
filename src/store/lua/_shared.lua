-- Shared helpers. scripts.ts puts this file in front of every script before loading it,
-- because Redis Lua has no include. Key names built here must match src/store/keys.ts.

-- The one way a script fails: "RV <code> <JSON detail>" (detail a table, {} when the code says
-- it all), which scripts.ts's runScript turns into an AppError. Raised rather than returned so
-- that helpers can abort too; every script makes all its checks before its first write, so a
-- failure never leaves half a change behind (Redis does not roll back).
local function fail(code, detail)
  error({ err = 'RV ' .. code .. ' ' .. cjson.encode(detail or {}) })
end

-- Whether `value` is an element of the array `list`.
local function contains(list, value)
  for _, item in ipairs(list) do
    if item == value then
      return true
    end
  end
  return false
end

-- Aborts unless `municipality_id` is among the operator's served ones (a list of ids).
local function assert_serves(served, municipality_id)
  if not contains(served, municipality_id) then
    fail('municipality_not_served')
  end
end

-- An operator may take a call when available, or in wrap-up (asking for one ends it).
local function assert_may_take_call(operator)
  if operator.state == 'paused' then
    fail('operator_paused')
  end
  if operator.state ~= 'available' and operator.state ~= 'wrap-up' then
    fail('operator_busy')
  end
end

-- The state of a logged-in operator who is not busy with a call (to pause, or say ready).
local function idle_operator_state(operator_key_name)
  local state = redis.call('HGET', operator_key_name, 'state')
  if not state then
    fail('operator_not_logged_in')
  end
  if state == 'connecting' or state == 'on-call' then
    fail('operator_busy')
  end
  return state
end

-- Redis's clock, not the app's: several app instances then agree on every timestamp.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function call_key(prefix, call_id)
  return prefix .. ':call:' .. call_id
end

local function queue_key(prefix, municipality_id)
  return prefix .. ':queue:' .. municipality_id
end

local function operator_key(prefix, operator_id)
  return prefix .. ':operator:' .. operator_id
end

-- A municipality's parked call ids, score = parkedAt.
local function park_key(prefix, municipality_id)
  return prefix .. ':park:' .. municipality_id
end

-- A hash as a table by field name, or nil when the key does not exist.
local function read_hash(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then
    return nil
  end
  local fields = {}
  for i = 1, #flat, 2 do
    fields[flat[i]] = flat[i + 1]
  end
  return fields
end

-- 1-based place of a waiting call in its municipality's queue, 0 when it is not in the queue.
local function position(prefix, municipality_id, call_id)
  local rank = redis.call('ZRANK', queue_key(prefix, municipality_id), call_id)
  if rank then
    return rank + 1
  end
  return 0
end

-- Every change of a call, queue or operator appends one event to the capped stream
-- {p}:events (src/events/, keys.ts), in the same script as the change, so the stream never
-- misses a change nor tells of one that did not happen. The stream id is the event's
-- sequence number, which a client reconnecting to GET /api/v1/events gives back as ?since=.
--
-- How to call it, after the script's checks (it writes):
--   emit_event(prefix, 'call.queued', call.municipalityId, { 'callId', call_id, 'position', 3 })
-- type: '<object>.<what happened>' (call.queued, call.offered, call.answered, call.requeued,
--   call.ended, operator.state, and your own, e.g. call.transferred, call.parked);
-- municipality_id: the municipality the event concerns, '' for a region-wide one (who sees
--   which event, and which of its fields, is decided when the stream is read: eventFor in
--   src/events/event-stream.ts);
-- fields: optional flat list of field, value, field, value... (values strings or numbers).
-- Returns the event's stream id.
local EVENTS_MAX_LENGTH = 100000

-- The region's call counts for /metrics (src/metrics/call-counts.ts reads them), in the hash
-- {p}:metrics:calls, written with each call.ended event: a call is counted once, by whichever
-- instance ended it, and the counts outlive any process. A call counts for the municipality it
-- arrived for (overflowFrom once it overflowed into another's queue), as in the statistics.
-- Fields ('|'-separated):
--   ended|<municipality>|<outcome>   every ended call (offered is their sum)
--   abandoned-short|<municipality>   abandoned after a wait of at most 5 s (statistics' SHORT_ABANDON_MS)
--   wait-count|<m>, wait-ms|<m>      answered calls and the sum of their waits (enqueue to first answer)
--   wait-le|<m>|<s>                  answered calls by their wait rounded up to whole seconds (at most
--                                    WAIT_SECONDS_MAX, else 'inf'): folded into histogram buckets when read
local SHORT_ABANDON_MS = 5000
local WAIT_SECONDS_MAX = 3600

local function count_ended_call(prefix, municipality_id, fields)
  local call_id, outcome
  for i = 1, #fields - 1, 2 do
    if fields[i] == 'callId' then call_id = fields[i + 1] end
    if fields[i] == 'outcome' then outcome = fields[i + 1] end
  end
  local key = prefix .. ':metrics:calls'
  local record = redis.call('HMGET', prefix .. ':call:' .. tostring(call_id), 'waitMs', 'overflowFrom')
  local wait_ms = tonumber(record[1]) or 0
  local m = record[2] or municipality_id or ''
  redis.call('HINCRBY', key, 'ended|' .. m .. '|' .. tostring(outcome), 1)
  if outcome == 'abandoned' and wait_ms <= SHORT_ABANDON_MS then
    redis.call('HINCRBY', key, 'abandoned-short|' .. m, 1)
  elseif outcome == 'answered' then
    local seconds = math.ceil(wait_ms / 1000)
    redis.call('HINCRBY', key, 'wait-count|' .. m, 1)
    redis.call('HINCRBY', key, 'wait-ms|' .. m, wait_ms)
    redis.call('HINCRBY', key, 'wait-le|' .. m .. '|' .. (seconds <= WAIT_SECONDS_MAX and seconds or 'inf'), 1)
  end
end

local function emit_event(prefix, type, municipality_id, fields)
  local args = { prefix .. ':events', 'MAXLEN', '~', EVENTS_MAX_LENGTH, '*', 'type', type, 'municipalityId', municipality_id or '' }
  for _, value in ipairs(fields or {}) do
    table.insert(args, value)
  end
  if type == 'call.ended' then
    count_ended_call(prefix, municipality_id, fields or {})
  end
  return redis.call('XADD', unpack(args))
end

-- Fields that belong to one operator state only; set_operator_state clears those of the others.
local OPERATOR_STATE_FIELDS = { 'callId', 'pauseReason', 'pauseNote', 'wrapUpUntil' }

-- Emits operator.state with the operator's current state and that state's own fields, and
-- the municipalities served (comma-separated: whose calls they take). The operator must be
-- logged in (operator-logout-2.lua emits its own 'logged-out').
local function emit_operator_state(prefix, operator_id)
  local operator = read_hash(operator_key(prefix, operator_id))
  local event = { 'operatorId', operator_id, 'state', operator.state, 'municipalities', table.concat(cjson.decode(operator.municipalities), ',') }
  for _, name in ipairs(OPERATOR_STATE_FIELDS) do
    if operator[name] then
      table.insert(event, name)
      table.insert(event, operator[name])
    end
  end
  return emit_event(prefix, 'operator.state', '', event)
end

-- Moves a logged-in operator to a state (available, connecting, on-call, wrap-up, paused) with
-- that state's own fields (a table: callId for connecting/on-call, pauseReason and pauseNote
-- for paused, wrapUpUntil in ms for wrap-up), clears the other states' fields, stamps
-- stateSince and emits operator.state. Call it after the script's checks.
local function set_operator_state(prefix, operator_id, state, fields)
  local key = operator_key(prefix, operator_id)
  fields = fields or {}
  local set, clear = { key, 'state', state, 'stateSince', now_ms() }, { key }
  for _, name in ipairs(OPERATOR_STATE_FIELDS) do
    if fields[name] == nil then
      table.insert(clear, name)
    else
      table.insert(set, name)
      table.insert(set, fields[name])
    end
  end
  redis.call('HDEL', unpack(clear))
  redis.call('HSET', unpack(set))
  emit_operator_state(prefix, operator_id)
end

-- Makes the operator who was offered (or answered) call_id available again, or, with
-- wrap_up_ms > 0, in wrap-up until then. Guarded on the operator's own callId, so an operator
-- who has since moved on is left alone.
local function release_operator(prefix, operator_id, call_id, wrap_up_ms)
  if not operator_id then
    return
  end
  if redis.call('HGET', operator_key(prefix, operator_id), 'callId') ~= call_id then
    return
  end
  if wrap_up_ms and wrap_up_ms > 0 then
    set_operator_state(prefix, operator_id, 'wrap-up', { wrapUpUntil = now_ms() + wrap_up_ms })
  else
    set_operator_state(prefix, operator_id, 'available')
  end
end

-- A call with a priority class (priorityBoostSeconds > 0) is also kept in a sub-queue of its
-- municipality per boost, {p}:queue-boost:{municipalityId}:{seconds} (scored by place like the
-- queue), and the boosts in use in {p}:queue-boosts:{municipalityId}: claim-1.lua then looks only
-- at the head of the queue and the head of each sub-queue. Put a call (back) in its queue with
-- queue_add and take it out with queue_remove; claim-1.lua drops sub-queue entries whose call is
-- no longer in the queue, so a script that only ZREMs from the queue is still correct.
local function queue_boost_key(prefix, municipality_id, boost)
  return prefix .. ':queue-boost:' .. municipality_id .. ':' .. boost
end

local function queue_boosts_key(prefix, municipality_id)
  return prefix .. ':queue-boosts:' .. municipality_id
end

local function queue_add(prefix, municipality_id, call_id, place, boost)
  redis.call('ZADD', queue_key(prefix, municipality_id), place, call_id)
  boost = tonumber(boost) or 0
  if boost > 0 then
    redis.call('ZADD', queue_boost_key(prefix, municipality_id, boost), place, call_id)
    redis.call('SADD', queue_boosts_key(prefix, municipality_id), boost)
  end
end

local function queue_remove(prefix, municipality_id, call_id, boost)
  redis.call('ZREM', queue_key(prefix, municipality_id), call_id)
  boost = tonumber(boost) or 0
  if boost > 0 then
    redis.call('ZREM', queue_boost_key(prefix, municipality_id, boost), call_id)
  end
end

-- Offers a call to an operator: their phone rings on a new operator leg, the call id, then
-- leg_suffix (media/media-ids.ts operatorLegSuffix, "-op"), then the attempt: "<callId>-op<attempt>"
-- (the channel id media/call-media.ts rings them on), so that events of an earlier offer's leg
-- can be told apart from this one's (mark-answered, requeue, finish check it). The call and the
-- operator are connecting; the caller emits its own event (call.offered, call.retrieved).
local function offer_call(prefix, call_id, operator_id, leg_suffix)
  local key = call_key(prefix, call_id)
  local attempt = redis.call('HINCRBY', key, 'attempts', 1)
  redis.call('HSET', key, 'state', 'connecting', 'operatorId', operator_id, 'operatorChannelId', call_id .. leg_suffix .. attempt)
  set_operator_state(prefix, operator_id, 'connecting', { callId = call_id })
end

-- Puts a call that is no longer waiting back in its queue at its ORIGINAL place (its place
-- number is its score: ahead of everyone who came after it), with its priority class: waiting,
-- nobody's. operatorChannelId stays, so late events of the last offer's leg are recognised as
-- stale. The caller releases the operator and emits call.requeued. Returns its 1-based position.
local function back_to_place(prefix, call_id, call)
  local key = call_key(prefix, call_id)
  queue_add(prefix, call.municipalityId, call_id, tonumber(call.place), call.priorityBoostSeconds)
  redis.call('HSET', key, 'state', 'waiting')
  redis.call('HDEL', key, 'operatorId')
  return position(prefix, call.municipalityId, call_id)
end

-- Talk time is the time an operator of the switchboard spends on the call (docs/decisions.md,
-- "Statistics"): summed over stretches, each from an operator's answer (mark-answered-1.lua sets
-- talkSince) until the operator lets go of the call (blind transfer, completed attended
-- transfer, park: control-operator-action-1.lua) or the call ends (finish-2.lua). So talkSince is
-- set exactly while an operator has the call: hold and consultation lie inside a stretch; a
-- transfer's ringing, the caller's talk with its target, the park and an offer's ringing do
-- not. Ends the open stretch, if any, at `now`: adds it to talkMs.
local function close_talk(key, call, now)
  if call.talkSince then
    redis.call('HINCRBY', key, 'talkMs', now - tonumber(call.talkSince))
    redis.call('HDEL', key, 'talkSince')
  end
end

-- A media node's heartbeat (media/nodes/node-liveness.ts): present while the node's app
-- instance has its Asterisk; it expires a few seconds after the last beat.
local function media_node_key(prefix, node)
  return prefix .. ':media-node:' .. node
end

-- Whether an operator can be rung for a waiting call now: its caller's media node beats. A
-- call on no node (written before nodes were recorded) and a call-back (it has no media until
-- an operator takes it; its node is the taker's) always can. `seen` caches EXISTS per node
-- for one script run.
local function media_node_up(prefix, call, seen)
  if not call.mediaNode or call.kind == 'callback' then
    return true
  end
  if seen[call.mediaNode] == nil then
    seen[call.mediaNode] = redis.call('EXISTS', media_node_key(prefix, call.mediaNode)) == 1
  end
  return seen[call.mediaNode]
end

-- Whether a waiting call's media node has been silent for dead_ms or longer: the call is a
-- ghost that media-node-sweep-3.lua is about to end, never shown or offered as waiting. Silent
-- since its last beat ({p}:media-nodes), or since the call arrived for a node never heard of.
local function media_node_dead(prefix, call, dead_ms, now)
  if not call.mediaNode or call.kind == 'callback' or dead_ms <= 0 then
    return false
  end
  if redis.call('EXISTS', media_node_key(prefix, call.mediaNode)) == 1 then
    return false
  end
  local seen = tonumber(redis.call('ZSCORE', prefix .. ':media-nodes', call.mediaNode)) or 0
  return now - math.max(seen, tonumber(call.enqueuedAt) or 0) >= dead_ms
end

-- Ends a call that is not ended yet (finish-2.lua, media-node-sweep-3.lua). Its outcome: answered
-- when an operator answered it at some time (answeredAt), even if it ended while back in the
-- queue or ringing an operator again: its waitMs stays the first answer's and a stretch of
-- talk still open is added to talkMs (close_talk); ending from answered, the operator goes into
-- wrap-up for wrap_up_ms (available at once when 0). Never answered: `unanswered` (abandoned,
-- media-node-lost), waitMs up to now. From waiting or connecting the call leaves its queue
-- and an operator whose phone was ringing becomes available. Sets state ended, endedAt and
-- outcome, leaves {p}:calls:active (active_key) and emits call.ended with `fields` added.
local function end_call(prefix, key, active_key, call_id, call, unanswered, wrap_up_ms, fields)
  local now = now_ms()
  if call.state == 'answered' then
    release_operator(prefix, call.operatorId, call_id, wrap_up_ms)
  else
    queue_remove(prefix, call.municipalityId, call_id, call.priorityBoostSeconds)
    release_operator(prefix, call.operatorId, call_id)
  end
  local outcome = unanswered
  if call.answeredAt then
    outcome = 'answered'
    close_talk(key, call, now)
  else
    redis.call('HSET', key, 'waitMs', now - tonumber(call.enqueuedAt))
  end
  redis.call('HSET', key, 'state', 'ended', 'endedAt', now, 'outcome', outcome)
  redis.call('SREM', active_key, call_id)
  local event = { 'callId', call_id, 'outcome', outcome, 'operatorId', call.operatorId or '' }
  for _, value in ipairs(fields or {}) do
    table.insert(event, value)
  end
  emit_event(prefix, 'call.ended', call.municipalityId, event)
end

-- Whether the caller can be offered a call-back: their number is E.164 (media/arrival/ stores
-- "anonymous", or a number it could not read, as received).
local function can_call_back(number)
  return string.match(number, '^%+%d+$') ~= nil
end
