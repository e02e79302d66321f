-- Shared helpers. scripts.ts puts this file in front of every script before loading it,
-- because Redis Lua has no include. Key names built here must match src/store/keys.ts.

-- Aborts the script with "RV <code>", which scripts.ts turns into an AppError. Raised rather
-- than returned so that helpers can abort too; every script makes all its checks before its
-- first write, so a failure never leaves half a change behind (Redis does not roll back).
local function fail(code)
  error({ err = 'RV ' .. code })
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

-- Makes the operator who was offered (or answered) call_id available again. Guarded on the
-- operator's own callId, so an operator who has since moved on is left alone.
local function release_operator(prefix, operator_id, call_id)
  if not operator_id then
    return
  end
  local key = operator_key(prefix, operator_id)
  if redis.call('HGET', key, 'callId') == call_id then
    redis.call('HSET', key, 'state', 'available')
    redis.call('HDEL', key, 'callId')
  end
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
-- municipality_id: the municipality the event concerns, '' for a region-wide one (the stream
--   shows a municipality admin only their municipality's events, and region-wide ones whose
--   'municipalities' field, a comma-separated list of ids, names theirs);
-- fields: optional flat list of field, value, field, value... (values strings or numbers).
-- Returns the event's stream id.
local EVENTS_MAX_LENGTH = 100000

local function emit_event(prefix, type, municipality_id, fields)
  local args = { prefix .. ':events', 'MAXLEN', '~', EVENTS_MAX_LENGTH, '*', 'type', type, 'municipalityId', municipality_id or '' }
  for _, value in ipairs(fields or {}) do
    table.insert(args, value)
  end
  return redis.call('XADD', unpack(args))
end
