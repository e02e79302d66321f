-- Adds, refreshes or removes one SIP binding of an extension together with its entry in the
-- reverse index by address, so that "who is registered at this address" (the caller ID of a
-- 112 call, sip-edge/routing/emergency-caller-id.ts) never disagrees with "where does this
-- extension ring". Both sets are scored by expiry, so readers skip expired bindings without
-- a write; expired ones are pruned here on the way, and each key expires with its last binding,
-- so an address or extension nobody registers from again leaves nothing behind.
--
-- KEYS[1] {p}:contacts:{extension}
-- KEYS[2] {p}:contacts-at:{host:port}, the binding's address
-- ARGV[1] key prefix (the calling convention of store/scripts.ts; not needed here)
-- ARGV[2] the contact URI
-- ARGV[3] "{extension} {contact URI}": the binding's member of KEYS[2]
-- ARGV[4] seconds the binding lasts from now (Redis clock); 0 removes it
--
-- Returns the binding's expiry in ms since the epoch, or 0 when it was removed.
-- Emits nothing. Safe to retry: the same call leaves the same bindings.

local contact, member, seconds = ARGV[2], ARGV[3], tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- The key lives as long as its longest binding.
local function expire_with_last(key)
  local last = redis.call('ZRANGE', key, 0, 0, 'REV', 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIREAT', key, last[2])
  end
end

for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
end

local expiry = 0
if seconds > 0 then
  expiry = now + seconds * 1000
  redis.call('ZADD', KEYS[1], expiry, contact)
  redis.call('ZADD', KEYS[2], expiry, member)
else
  redis.call('ZREM', KEYS[1], contact)
  redis.call('ZREM', KEYS[2], member)
end
expire_with_last(KEYS[1])
expire_with_last(KEYS[2])
return expiry
