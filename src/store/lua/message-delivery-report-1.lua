-- Records how a claimed delivery on a channel (message-delivery-claim-1.lua) went, on the message's
-- hash, and what comes next in the due set: `sent` and `no-address` leave it (nothing more to
-- send), `failed` is due again at the retry time (calls/messages/message-delivery.ts's backoff).
--
-- KEYS[1] the channel's {p}:messages:delivery-due[:sms]
-- ARGV[1] key prefix
-- ARGV[2] message id
-- ARGV[3] attempt: the claim's (the hash's <field>Attempts when it was claimed)
-- ARGV[4] outcome: sent | failed | no-address
-- ARGV[5] failed: when the next attempt is due (ms); otherwise ignored
-- ARGV[6] failed: the short reason (no secrets, no content); otherwise ignored
-- ARGV[7] the channel's field prefix on the message hash: delivery (e-mail) | smsDelivery
--
-- Returns the message's <field>State after the report.
-- Errors: RV message_not_found {messageId} when the message is no longer stored (retention
-- removed it meanwhile: nothing is written, so no half hash is left behind);
-- RV delivery_claim_lost {messageId, attempt} when a later claim took it over (this one's lease
-- ran out): the later claim reports.

local prefix, id, attempt, outcome, field = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[7]
local key = prefix .. ':message:' .. id

if redis.call('EXISTS', key) == 0 then
  fail('message_not_found', { messageId = id })
end
if redis.call('HGET', key, field .. 'Attempts') ~= attempt then
  fail('delivery_claim_lost', { messageId = id, attempt = tonumber(attempt) })
end

if outcome == 'failed' then
  redis.call('HSET', key, field .. 'State', 'failed', field .. 'LastError', ARGV[6])
  redis.call('ZADD', KEYS[1], tonumber(ARGV[5]), id)
elseif outcome == 'sent' then
  redis.call('HSET', key, field .. 'State', 'sent', field .. 'SentAt', now_ms())
  redis.call('HDEL', key, field .. 'LastError')
  redis.call('ZREM', KEYS[1], id)
else
  redis.call('HSET', key, field .. 'State', 'no-address')
  redis.call('ZREM', KEYS[1], id)
end
return outcome
