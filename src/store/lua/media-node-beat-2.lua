-- A media node's heartbeat, written every second by the app instance that has the node's
-- Asterisk while its ARI answers (media/nodes/node-liveness.ts): the heartbeat key lives a few
-- seconds (claim-1.lua rings only for callers on a node that beats), and {p}:media-nodes keeps
-- when each node last beat (media-node-sweep-3.lua ends the calls of one silent too long; /health
-- lists the nodes).
--
-- KEYS[1] {p}:media-node:{node}
-- KEYS[2] {p}:media-nodes
-- ARGV[1] key prefix   ARGV[2] the node   ARGV[3] how long the heartbeat lives, ms
-- ARGV[4] the beating instance's id (who has the node; media/nodes/node-commands.ts)
--
-- Returns 1 when the node was silent before this beat (it is back, or new), else 0.
-- Emits media-node.up when the node was silent before.

local prefix, node, ttl_ms, instance = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local was_up = redis.call('EXISTS', KEYS[1]) == 1
redis.call('SET', KEYS[1], instance, 'PX', ttl_ms)
redis.call('ZADD', KEYS[2], now_ms(), node)
if was_up then
  return 0
end
emit_event(prefix, 'media-node.up', '', { 'mediaNode', node, 'instance', instance })
return 1
