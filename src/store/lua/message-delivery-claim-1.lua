-- Claims one message whose delivery on a channel (e-mail, SMS) is due
-- (calls/messages/message-delivery.ts), so
-- that of several instances sending from one Redis only one sends it: its due time moves a
-- lease ahead (another instance takes it over only once the lease has run out, i.e. the
-- claimer died mid-send) and its attempt count goes up; the count is the claim, which the
-- report (message-delivery-report-1.lua) must name.
--
-- KEYS[1] the channel's {p}:messages:delivery-due[:sms] (score: when the next attempt is due, ms)
-- ARGV[1] key prefix
-- ARGV[2] lease, ms
-- ARGV[3] the channel's field prefix on the message hash: delivery (e-mail) | smsDelivery
--
-- Returns { messageId, attempt } of the claimed message, or false when none is due.
-- Ids of messages no longer stored (removed by retention meanwhile) leave the set on the way.
-- Safe to retry: a claim whose reply was lost is taken over when its lease runs out.

local prefix, lease, field = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local now = now_ms()

local due = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, 10)

-- Every read before the first write, as in every script here.
local gone, claimed = {}, nil
for _, id in ipairs(due) do
  if redis.call('EXISTS', prefix .. ':message:' .. id) == 0 then
    table.insert(gone, id)
  elseif not claimed then
    claimed = id
  end
end

for _, id in ipairs(gone) do
  redis.call('ZREM', KEYS[1], id)
end
if not claimed then
  return false
end
redis.call('ZADD', KEYS[1], now + lease, claimed)
local attempt = redis.call('HINCRBY', prefix .. ':message:' .. claimed, field .. 'Attempts', 1)
return { claimed, attempt }
