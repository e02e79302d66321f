-- An operator takes a waiting call: the one given, or the best of all the queues of the
-- municipalities the operator serves. The call leaves its queue and becomes connecting (the
-- operator's phone rings); the operator becomes connecting with its callId.
-- Each offer gets its own operator leg id (_shared.lua offer_call).
--
-- The best call has the highest score (docs/decisions.md, "Choice of the next call"):
--   score = waited ms × the operator's weight for its municipality + priorityBoostSeconds × 1000
-- ties going to the lower place (the earlier arrival). Within one queue and one boost the
-- earliest place has the highest score, so only the head of each queue and of each of its
-- boost sub-queues (_shared.lua queue_add) is looked at: a few reads per queue, whatever
-- the queue's length.
--
-- KEYS[1] {p}:operator:{operatorId}
-- ARGV[1] key prefix
-- ARGV[2] operatorId
-- ARGV[3] callId of the call to take, or '' for the best one
-- ARGV[4] the media node of the instance that takes the call: a call-back's node from now on
--         (it has no caller channel until dialled; its operator and citizen legs are made
--         there), so that node's instance reconciles it. A caller's call keeps its own node.
-- ARGV[5] what the operator leg's id has between the call id and the attempt (media/media-ids.ts
--         operatorLegSuffix: "<callId>-op<attempt>")
--
-- A caller whose media node does not beat (_shared.lua media_node_up: its instance or its
-- Asterisk is down) cannot be rung for: the best call is the best one whose node beats, looked
-- for among the first SKIP_AT_MOST of each queue and sub-queue; the others keep their place
-- until their node is back or media-node-sweep-3.lua ends them.
--
-- An operator whose phone lives on one media node (a browser phone: its pjsip user and WebSocket
-- are that node's Asterisk's, operator field phoneNode) can be rung only from there: only calls
-- held on that node, or call-backs taken by that node's instance (ARGV[4]), are theirs; the
-- others keep their place for operators who can be rung from their node.
--
-- Returns the call record as HGETALL, or nil when '' was given and no call waits.
-- Emits call.offered and operator.state.
-- An operator in wrap-up may take a call: asking for one ends the wrap-up early.
-- Safe to retry with a callId: an operator already connecting to that very call gets it back.
-- Errors: operator_not_logged_in, operator_busy, operator_paused, and with a callId also
-- call_not_found, municipality_not_served, call_not_waiting, media_node_down, phone_not_on_node.

local prefix, operator_id, wanted = ARGV[1], ARGV[2], ARGV[3]

local operator = read_hash(KEYS[1])
if not operator then
  fail('operator_not_logged_in')
end
if wanted ~= '' and operator.state == 'connecting' and operator.callId == wanted then
  return redis.call('HGETALL', call_key(prefix, wanted))
end
assert_may_take_call(operator)

-- Whether the operator's phone can be rung for a call of this media node and kind.
local phone_node = operator.phoneNode
local function rings_from(media_node, kind)
  if not phone_node then
    return true
  end
  if kind == 'callback' then
    return ARGV[4] == phone_node
  end
  return media_node == phone_node
end

local served = cjson.decode(operator.municipalities)
local weights = cjson.decode(operator.weights or '{}')
local call_id, municipality_id

if wanted ~= '' then
  municipality_id = redis.call('HGET', call_key(prefix, wanted), 'municipalityId')
  if not municipality_id then
    fail('call_not_found')
  end
  assert_serves(served, municipality_id)
  local picked = read_hash(call_key(prefix, wanted))
  if picked.state ~= 'waiting' then
    fail('call_not_waiting')
  end
  if not media_node_up(prefix, picked, {}) then
    fail('media_node_down')
  end
  if not rings_from(picked.mediaNode, picked.kind) then
    fail('phone_not_on_node')
  end
  call_id = wanted
else
  local now = now_ms()
  local best_score, best_place
  local seen = {}

  -- The first call of a queue (or sub-queue) whose media node beats, with the fields the score
  -- needs, or nil. `in_queue` (for a sub-queue) drops entries whose call left the queue through
  -- a script that did not use queue_remove. One HMGET per call looked at.
  local SKIP_AT_MOST = 50
  local function first_up(zset, in_queue)
    local skipped = 0
    while skipped < SKIP_AT_MOST do
      local candidate = redis.call('ZRANGE', zset, skipped, skipped)[1]
      if not candidate then
        return nil
      end
      if in_queue and not redis.call('ZSCORE', in_queue, candidate) then
        redis.call('ZREM', zset, candidate)
      else
        local call = redis.call('HMGET', call_key(prefix, candidate), 'enqueuedAt', 'place', 'priorityBoostSeconds', 'mediaNode', 'kind')
        local node, kind = call[4] or nil, call[5] or nil
        if rings_from(node, kind) and media_node_up(prefix, { mediaNode = node, kind = kind }, seen) then
          return candidate, call
        end
        skipped = skipped + 1
      end
    end
    return nil
  end

  local function consider(id, candidate, call, weight)
    local place = tonumber(call[2])
    local score = (now - tonumber(call[1])) * weight + (tonumber(call[3]) or 0) * 1000
    if not best_score or score > best_score or (score == best_score and place < best_place) then
      best_score, best_place, call_id, municipality_id = score, place, candidate, id
    end
  end

  for _, id in ipairs(served) do
    local weight = tonumber(weights[id]) or 1
    local queue = queue_key(prefix, id)
    local head, head_call = first_up(queue)
    if head then
      consider(id, head, head_call, weight)
    end
    if redis.call('EXISTS', queue) == 1 then
      for _, boost in ipairs(redis.call('SMEMBERS', queue_boosts_key(prefix, id))) do
        local sub_queue = queue_boost_key(prefix, id, boost)
        local sub_head, sub_call = first_up(sub_queue, queue)
        if sub_head then
          consider(id, sub_head, sub_call, weight)
        elseif redis.call('EXISTS', sub_queue) == 0 then
          redis.call('SREM', queue_boosts_key(prefix, id), boost)
        end
      end
    end
  end
  if not call_id then
    return nil
  end
end

local key = call_key(prefix, call_id)
queue_remove(prefix, municipality_id, call_id, redis.call('HGET', key, 'priorityBoostSeconds'))
offer_call(prefix, call_id, operator_id, ARGV[5])
if (ARGV[4] or '') ~= '' and redis.call('HGET', key, 'kind') == 'callback' then
  redis.call('HSET', key, 'mediaNode', ARGV[4])
end
emit_event(prefix, 'call.offered', municipality_id, { 'callId', call_id, 'operatorId', operator_id })
return redis.call('HGETALL', key)
