-- Removes messages for absent people past their retention (calls/messages/message-retention.ts):
-- one batch from the old end of one municipality's index {p}:messages:by-municipality:{id},
-- whose score is the message's creation (µs, Redis's clock: message-store.ts). A message goes
-- whole, handled or not: its hash (caller's name, number and text) and its entries in the
-- municipality's index and in its recipient's {p}:messages:by-recipient:entry:{entryId}, and
-- its pending deliveries in {p}:messages:delivery-due (e-mail) and {p}:messages:delivery-due:sms
-- (message-delivery.ts, store/keys.ts), if any, and a voice message's recording
-- {p}:message-recording:{id} (media/arrival/voice-message.ts).
--
-- KEYS[1] {p}:messages:by-municipality:{municipalityId}
-- ARGV[1] key prefix
-- ARGV[2] cutoff, µs since the epoch: messages created before it go
-- ARGV[3] batch size
--
-- Returns the number of messages removed; fewer than the batch size means none older is left.
-- Safe to retry and to run in several instances at once: a message removed is simply no
-- longer there for the next batch or instance.

local prefix, cutoff, batch = ARGV[1], ARGV[2], tonumber(ARGV[3])

local ids = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. cutoff, 'BYSCORE', 'LIMIT', 0, batch)

-- Every read before the first write, as in every script here.
local doomed = {}
for _, id in ipairs(ids) do
  -- false: no hash behind the index entry; the entry goes anyway.
  table.insert(doomed, { id = id, entry = redis.call('HGET', prefix .. ':message:' .. id, 'entryId') })
end

for _, message in ipairs(doomed) do
  redis.call('DEL', prefix .. ':message:' .. message.id, prefix .. ':message-recording:' .. message.id)
  redis.call('ZREM', KEYS[1], message.id)
  if message.entry then
    redis.call('ZREM', prefix .. ':messages:by-recipient:entry:' .. message.entry, message.id)
  end
  redis.call('ZREM', prefix .. ':messages:delivery-due', message.id)
  redis.call('ZREM', prefix .. ':messages:delivery-due:sms', message.id)
end

return #doomed
