-- An operator takes a waiting call: the one given, or the longest-waiting call of all the
-- queues of the municipalities the operator serves. The call leaves its queue and becomes
-- connecting (the operator's phone rings); the operator becomes connecting with its callId.
-- Each offer gets its own operator leg id, "<callId>-op<attempt>" (the channel id Asterisk
-- rings the operator on, see media/call-media.ts), so that events of an earlier offer's leg
-- can be told apart from the current one (mark-answered, requeue, finish check it).
--
-- KEYS[1] {p}:operator:{operatorId}
-- ARGV[1] key prefix
-- ARGV[2] operatorId
-- ARGV[3] callId of the call to take, or '' for the longest-waiting one
--
-- Returns the call record as HGETALL, or nil when '' was given and no call waits.
-- Safe to retry with a callId: an operator already connecting to that very call gets it back.
-- Errors: operator_not_logged_in, operator_busy, and with a callId also call_not_found,
-- municipality_not_served, call_not_waiting.

local prefix, operator_id, wanted = ARGV[1], ARGV[2], ARGV[3]

local operator = read_hash(KEYS[1])
if not operator then
  fail('operator_not_logged_in')
end
if wanted ~= '' and operator.state == 'connecting' and operator.callId == wanted then
  return redis.call('HGETALL', call_key(prefix, wanted))
end
if operator.state ~= 'available' then
  fail('operator_busy')
end

local served = cjson.decode(operator.municipalities)
local call_id, municipality_id

if wanted ~= '' then
  municipality_id = redis.call('HGET', call_key(prefix, wanted), 'municipalityId')
  if not municipality_id then
    fail('call_not_found')
  end
  local is_served = false
  for _, id in ipairs(served) do
    if id == municipality_id then
      is_served = true
    end
  end
  if not is_served then
    fail('municipality_not_served')
  end
  if redis.call('HGET', call_key(prefix, wanted), 'state') ~= 'waiting' then
    fail('call_not_waiting')
  end
  call_id = wanted
else
  local best_place
  for _, id in ipairs(served) do
    local head = redis.call('ZRANGE', queue_key(prefix, id), 0, 0, 'WITHSCORES')
    if head[1] then
      local place = tonumber(head[2])
      if not best_place or place < best_place then
        best_place, call_id, municipality_id = place, head[1], id
      end
    end
  end
  if not call_id then
    return nil
  end
end

local key = call_key(prefix, call_id)
local attempt = redis.call('HINCRBY', key, 'attempts', 1)
redis.call('ZREM', queue_key(prefix, municipality_id), call_id)
redis.call('HSET', key,
  'state', 'connecting',
  'operatorId', operator_id,
  'operatorChannelId', call_id .. '-op' .. attempt)
redis.call('HSET', KEYS[1], 'state', 'connecting', 'callId', call_id)
return redis.call('HGETALL', key)
