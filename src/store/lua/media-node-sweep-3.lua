-- Ends the calls of media nodes that have been silent (no heartbeat, media-node-beat-2.lua) for
-- ARGV[2] ms: their callers went with the node (its Asterisk died, or its app instance, which
-- alone can reach it). Every instance runs it every second; the script decides each call once.
--
-- A caller's call ends (_shared.lua end_call) with outcome media-node-lost if no operator had
-- answered it (neither answered nor abandoned in the statistics), else answered (the talk was
-- cut off, not unanswered); the operator of an answered one goes into wrap-up as after any
-- call. A call-back has media on its node only while an operator takes it: ringing or answered
-- before its citizen answered, it goes back to its place (the operator's answer void, its node
-- forgotten: the next taker's instance makes its legs); answered with its citizen on the line,
-- it ends as answered. Waiting and scheduled call-backs are left alone.
--
-- A node is judged once per silence: {p}:media-nodes:swept keeps the last beat it was swept at,
-- so the active calls are read only when a node newly falls silent (or a run was cut at ARGV[4]
-- calls). A node silent for a week is forgotten.
--
-- KEYS[1] {p}:media-nodes
-- KEYS[2] {p}:calls:active
-- KEYS[3] {p}:media-nodes:swept
-- ARGV[1] key prefix
-- ARGV[2] MEDIA_NODE_DEAD_SECONDS in ms
-- ARGV[3] wrap-up after an answered call, ms
-- ARGV[4] at most this many calls per run (the rest in the next)
--
-- Returns {{callId, 'ended' or 'requeued', node}, ...}.
-- Emits call.ended (outcome, mediaNode, cause media-node-lost) or call.requeued (cause
-- media-node-lost), operator.state for the operators released, media-node.lost per node.
-- Safe to run again and from several instances at once: an ended call is not active any more.

local prefix, dead_ms, wrap_up_ms, at_most = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local FORGET_AFTER_MS = 7 * 24 * 3600 * 1000

local now = now_ms()
local silent = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - dead_ms, 'WITHSCORES')
local dead, any = {}, false
for i = 1, #silent, 2 do
  local node, last_beat = silent[i], silent[i + 1]
  if redis.call('EXISTS', media_node_key(prefix, node)) == 0 and redis.call('HGET', KEYS[3], node) ~= last_beat then
    dead[node], any = last_beat, true
  end
  if now - tonumber(last_beat) > FORGET_AFTER_MS then
    redis.call('ZREM', KEYS[1], node)
    redis.call('HDEL', KEYS[3], node)
  end
end
if not any then
  return {}
end

local done, cut = {}, false
for _, call_id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local key = call_key(prefix, call_id)
  local node = redis.call('HGET', key, 'mediaNode')
  if node and dead[node] then
    if #done >= at_most then
      cut = true
      break
    end
    local call = read_hash(key)
    if call.kind ~= 'callback' then
      end_call(prefix, key, KEYS[2], call_id, call, 'media-node-lost', wrap_up_ms, { 'mediaNode', node, 'cause', 'media-node-lost' })
      table.insert(done, { call_id, 'ended', node })
    elseif call.state == 'answered' and call.dialAnsweredAt then
      end_call(prefix, key, KEYS[2], call_id, call, 'media-node-lost', wrap_up_ms, { 'mediaNode', node, 'cause', 'media-node-lost' })
      table.insert(done, { call_id, 'ended', node })
    elseif call.state == 'connecting' or call.state == 'answered' then
      release_operator(prefix, call.operatorId, call_id)
      redis.call('HDEL', key, 'answeredAt', 'answeredBy', 'waitMs', 'talkSince', 'mediaNode')
      local at = back_to_place(prefix, call_id, call)
      emit_event(prefix, 'call.requeued', call.municipalityId, { 'callId', call_id, 'position', at, 'operatorId', call.operatorId or '', 'cause', 'media-node-lost' })
      table.insert(done, { call_id, 'requeued', node })
    end
  end
end
if not cut then
  for node, last_beat in pairs(dead) do
    redis.call('HSET', KEYS[3], node, last_beat)
    emit_event(prefix, 'media-node.lost', '', { 'mediaNode', node, 'lastBeat', last_beat })
  end
end
return done
