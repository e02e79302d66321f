-- Books a call-back on a call that is waiting or answered. The call-back is a call record of
-- its own, kind callback, id "<callId>-cb", that takes the call's ORIGINAL place (the same
-- place score) in its municipality's queue, so an operator's claim-next (claim-1.lua) takes it
-- when the call itself would have been taken. Its channel, "<callId>-cb-dial", is the one
-- dialled out to the citizen when an operator answers (media/call-control). Both names are
-- given (media/media-ids.ts callback, callbackDialLeg).
--
-- A window that has not begun: the call-back is `scheduled`, in {p}:callbacks:scheduled
-- (score windowFrom) instead of the queue; callback-release-1.lua moves it into the queue at
-- its place when the window begins. In {p}:calls:active like any call not ended (media/call-
-- control reconciles call-backs by their own rules: no channel until the citizen is dialled).
--
-- A waiting call leaves the queue and ends (outcome callback-booked): the call-back holds its
-- place now. Its waitMs runs to now, unless an operator answered it once (it came back to the
-- queue after a recall or an unanswered retrieve): then it stays the first answer's, as every
-- later step keeps it (mark-answered-1.lua). An answered call goes on; the operator or the caller
-- hangs up as usual.
--
-- KEYS[1] {p}:call:{callId}
-- KEYS[2] {p}:call:{callId}-cb
-- KEYS[3] {p}:callbacks:scheduled
-- KEYS[4] {p}:calls:active
-- KEYS[5] {p}:calls:by-time
-- KEYS[6] {p}:calls:by-municipality:{municipalityId}
-- ARGV[1] key prefix   ARGV[2] callId
-- ARGV[3] operatorId booking it, or '' (the switchboard itself, e.g. on overflow)
-- ARGV[4] number to call (E.164)   ARGV[5] window from (ms)   ARGV[6] window to (ms)
-- ARGV[7] name of the operator booking it (kept with their id: the list of booked call-backs says who)
-- ARGV[8] the call-back's id ("<callId>-cb")   ARGV[9] its channel id ("<callId>-cb-dial")
--
-- Returns {call-back record as HGETALL, call record as HGETALL}. Emits call.callback-booked
-- (and call.ended for a waiting call).
-- Safe to retry: a call that has its call-back already returns it unchanged.
-- Errors: call_not_found, call_not_bookable (ended, being offered, or itself a call-back),
-- not_your_call (an answered call booked by another operator).

local prefix, call_id, operator_id, number = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local window_from, window_to = tonumber(ARGV[5]), tonumber(ARGV[6])
local operator_name = ARGV[7]
local callback_id, channel_id = ARGV[8], ARGV[9]

local call = read_hash(KEYS[1])
if not call then
  fail('call_not_found')
end
if call.callbackId == callback_id then
  return { redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[1]) }
end
if call.kind == 'callback' or (call.state ~= 'waiting' and call.state ~= 'answered') then
  fail('call_not_bookable')
end
if call.state == 'answered' and operator_id ~= '' and call.operatorId ~= operator_id then
  fail('not_your_call')
end

local now = now_ms()
local municipality_id = call.municipalityId
local due = window_from <= now
redis.call('HSET', KEYS[2],
  'callId', callback_id,
  'channelId', channel_id,
  'municipalityId', municipality_id,
  'calledNumber', call.calledNumber,
  'caller', number,
  'reason', call.reason,
  'state', due and 'waiting' or 'scheduled',
  'enqueuedAt', call.enqueuedAt,
  'place', call.place,
  'attempts', 0,
  'kind', 'callback',
  'callbackOf', call_id,
  'windowFrom', window_from,
  'windowTo', window_to,
  'bookedAt', now)
if operator_id ~= '' then
  redis.call('HSET', KEYS[2], 'bookedBy', operator_id, 'bookedByName', operator_name)
end
-- Greeted in the name of the municipality dialled, also when the call had overflowed into another queue.
if call.overflowFrom then
  redis.call('HSET', KEYS[2], 'overflowFrom', call.overflowFrom)
end
if call.priorityClass then
  redis.call('HSET', KEYS[2], 'priorityClass', call.priorityClass, 'priorityBoostSeconds', call.priorityBoostSeconds)
end
if due then
  queue_add(prefix, municipality_id, callback_id, tonumber(call.place), call.priorityBoostSeconds)
else
  redis.call('ZADD', KEYS[3], window_from, callback_id)
end
redis.call('SADD', KEYS[4], callback_id)
redis.call('ZADD', KEYS[5], now, callback_id)
redis.call('ZADD', KEYS[6], now, callback_id)
redis.call('HSET', KEYS[1], 'callbackId', callback_id)

if call.state == 'waiting' then
  queue_remove(prefix, municipality_id, call_id, call.priorityBoostSeconds)
  redis.call('HSET', KEYS[1], 'state', 'ended', 'endedAt', now, 'outcome', 'callback-booked')
  if not call.answeredAt then
    redis.call('HSET', KEYS[1], 'waitMs', now - tonumber(call.enqueuedAt))
  end
  redis.call('SREM', KEYS[4], call_id)
  emit_event(prefix, 'call.ended', municipality_id, { 'callId', call_id, 'outcome', 'callback-booked', 'operatorId', '' })
end
emit_event(prefix, 'call.callback-booked', municipality_id,
  { 'callId', callback_id, 'callbackOf', call_id, 'windowFrom', window_from, 'windowTo', window_to, 'scheduled', due and 0 or 1 })
return { redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[1]) }
