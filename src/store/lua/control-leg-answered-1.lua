-- A leg the switchboard dialled for call control answered: a transfer's target (channel
-- "<callId>-xfer<n>", the call's current transferLeg) or the citizen of a call-back (the
-- call-back's own channel). transferring -> transferred (blind: caller and target are
-- bridged); consulting -> consulted (attended: the operator talks to the target); a call-back
-- gets dialAnsweredAt.
--
-- KEYS[1] {p}:call:{callId}
-- ARGV[1] key prefix   ARGV[2] callId   ARGV[3] channel id of the leg that answered
--
-- Returns {what to do: 'bridge', 'consult' or 'callback', record as HGETALL}, or nil when the
-- leg is not (any more) wanted: the call ended, the transfer was cancelled or is an older one.
-- Emits call.transferred / call.consulted / call.callback-answered.

local prefix, call_id, leg = ARGV[1], ARGV[2], ARGV[3]

local call = read_hash(KEYS[1])
if not call or call.state ~= 'answered' then
  return nil
end
local now = now_ms()
local what
if call.kind == 'callback' and leg == call.channelId then
  redis.call('HSET', KEYS[1], 'dialAnsweredAt', now)
  what = 'callback'
elseif leg ~= call.transferLeg then
  return nil
elseif call.control == 'transferring' then
  redis.call('HSET', KEYS[1], 'control', 'transferred', 'transferOutcome', 'answered')
  what = 'bridge'
elseif call.control == 'consulting' then
  redis.call('HSET', KEYS[1], 'control', 'consulted')
  what = 'consult'
else
  return nil
end
local names = { bridge = 'call.transferred', consult = 'call.consulted', callback = 'call.callback-answered' }
emit_event(prefix, names[what], call.municipalityId, { 'callId', call_id, 'target', call.transferTarget or call.caller })
return { what, redis.call('HGETALL', KEYS[1]) }
