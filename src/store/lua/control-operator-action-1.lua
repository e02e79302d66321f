-- The operator who has an answered call acts on it: hold, unhold, a blind or attended
-- transfer, completing or cancelling an attended transfer, parking. One script for all of
-- them because they share their checks (the call is answered, it is this operator's, and its
-- control state allows the action) and each is one change of the call's `control` field.
--
-- Whenever the operator leaves the call (blind transfer, complete, park) their leg id is taken
-- off the call (operatorChannelId) before media/call-control hangs it up, so the leg's
-- StasisEnd (finish-2.lua with that leg) no longer ends the call; the operator is released, and
-- their stretch of talk ends (_shared.lua close_talk: what follows, the target ringing and
-- talking to the caller, or the park, is not the switchboard's talk).
--
-- KEYS[1] {p}:call:{callId}
-- ARGV[1] key prefix   ARGV[2] callId   ARGV[3] operatorId
-- ARGV[4] action: hold, unhold, transfer, complete, cancel, park
-- ARGV[5] transfer only: mode (blind, attended)   ARGV[6] target kind (extension, external)
-- ARGV[7] transfer only: target (extension number or E.164)
-- ARGV[8] transfer only: the target leg's id but for the transfer's number (media/media-ids.ts
--         transferLegPrefix, "<callId>-xfer"): the n-th transfer of the call rings "<callId>-xfer<n>"
--
-- Returns {record as HGETALL, released operator leg or ''}. Emits call.<action> events.
-- Errors: call_not_found, call_not_answered, not_your_call, call_control_conflict (the call's
-- control state does not allow the action: e.g. unhold of a call not held, a second transfer).

local prefix, call_id, operator_id, action = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local call = read_hash(KEYS[1])
if not call then
  fail('call_not_found')
end
if call.state ~= 'answered' then
  fail('call_not_answered')
end
if call.operatorId ~= operator_id then
  fail('not_your_call')
end
local control = call.control or ''
-- The operator has let go of parked or transferred calls; nothing of theirs to control.
local allowed = {
  hold = { [''] = true },
  unhold = { held = true },
  transfer = { [''] = true, held = true },
  complete = { consulted = true },
  cancel = { consulting = true, consulted = true },
  park = { [''] = true, held = true },
}
if not allowed[action] then
  error('unknown call control action ' .. action)
end
if not allowed[action][control] then
  fail('call_control_conflict')
end

local now = now_ms()
local released = ''
local event = { 'callId', call_id, 'operatorId', operator_id }

local function release_operator_leg()
  released = call.operatorChannelId or ''
  redis.call('HDEL', KEYS[1], 'operatorChannelId')
  release_operator(prefix, operator_id, call_id)
  close_talk(KEYS[1], call, now)
end

if action == 'hold' then
  redis.call('HSET', KEYS[1], 'control', 'held')
elseif action == 'unhold' then
  redis.call('HDEL', KEYS[1], 'control')
elseif action == 'transfer' then
  local mode, kind, target, leg_prefix = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
  local n = redis.call('HINCRBY', KEYS[1], 'transfers', 1)
  local leg = leg_prefix .. n
  redis.call('HSET', KEYS[1],
    'control', mode == 'blind' and 'transferring' or 'consulting',
    'transferLeg', leg, 'transferMode', mode, 'transferTargetKind', kind, 'transferTarget', target,
    'transferredBy', operator_id)
  redis.call('HDEL', KEYS[1], 'transferOutcome', 'recallFrom')
  if mode == 'blind' then
    release_operator_leg()
  end
  table.insert(event, 'mode')
  table.insert(event, mode)
  table.insert(event, 'target')
  table.insert(event, target)
elseif action == 'complete' then
  redis.call('HSET', KEYS[1], 'control', 'transferred', 'transferOutcome', 'answered')
  release_operator_leg()
elseif action == 'cancel' then
  redis.call('HDEL', KEYS[1], 'control')
  redis.call('HSET', KEYS[1], 'transferOutcome', 'cancelled')
elseif action == 'park' then
  redis.call('HSET', KEYS[1], 'control', 'parked', 'parkedAt', now, 'parkedBy', operator_id)
  redis.call('ZADD', park_key(prefix, call.municipalityId), now, call_id)
  release_operator_leg()
end

local names = { hold = 'held', unhold = 'unheld', transfer = 'transfer-started', complete = 'transferred', cancel = 'transfer-cancelled', park = 'parked' }
emit_event(prefix, 'call.' .. names[action], call.municipalityId, event)
return { redis.call('HGETALL', KEYS[1]), released }
