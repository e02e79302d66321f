-- An extension's phone dials an external number: one more call of its local day, if the daily
-- cap of its municipality's dial policy allows it (dialling/dialling-guard.ts). Past either
-- limit (the calls already counted, or the minutes already talked) nothing is counted and the
-- call is refused. The first refusal of the day marks the day (capReached), so IT staff get one
-- event per extension and day however often the phone tries again.
--
-- KEYS[1] {p}:dial-cap:{extension}:{day}   hash: calls, minutes (dialling-guard.ts adds them
--         when a call ends), capReached (the limit first reached that day)
-- ARGV[1] key prefix   ARGV[2] municipalityId   ARGV[3] extension
-- ARGV[4] cap of calls   ARGV[5] cap of minutes
-- ARGV[6] seconds the day's key lives (past the day's end, so late call ends still count)
--
-- Returns {1} when admitted (counted); {0, limit, first} when refused, limit 'calls' or
-- 'minutes', first 1 for the day's first refusal.
-- Emits dialling.cap-reached (extension, limit, cap, used) on the day's first refusal.
-- Not safe to retry blindly: a retried admission counts the call twice (one call too few for the
-- rest of the day, on the safe side).

local prefix, municipality_id, extension = ARGV[1], ARGV[2], ARGV[3]
local cap_calls, cap_minutes, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

local used = redis.call('HMGET', KEYS[1], 'calls', 'minutes')
local calls, minutes = tonumber(used[1]) or 0, tonumber(used[2]) or 0
local limit, cap, reached
if calls >= cap_calls then
  limit, cap, reached = 'calls', cap_calls, calls
elseif minutes >= cap_minutes then
  limit, cap, reached = 'minutes', cap_minutes, minutes
end

if limit then
  local first = redis.call('HSETNX', KEYS[1], 'capReached', limit)
  if first == 1 then
    emit_event(prefix, 'dialling.cap-reached', municipality_id, { 'extension', extension, 'limit', limit, 'cap', cap, 'used', reached })
  end
  return { 0, limit, first }
end

redis.call('HINCRBY', KEYS[1], 'calls', 1)
redis.call('EXPIRE', KEYS[1], ttl, 'NX')
return { 1 }
