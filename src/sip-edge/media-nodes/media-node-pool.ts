/**
 * The Asterisk media nodes and whether each answers: the edge pings every node with OPTIONS
 * every `pingEveryMs` (media-nodes/pinger in edge.ts) and records each answer here. A node
 * whose last answer is older than `deadAfterMs` is out of rotation, so a node that stops
 * answering is skipped within deadAfterMs (3.5 s, under the 5 s asked) and is back at its
 * first answer. Calls go round robin over the healthy nodes.
 */
export const MEDIA_NODE_TIMING = { pingEveryMs: 1_000, deadAfterMs: 3_500 };

export function createMediaNodePool(
  nodes: readonly string[],
  { deadAfterMs = MEDIA_NODE_TIMING.deadAfterMs, now = Date.now } = {},
) {
  const lastAnswer = new Map<string, number>();
  let turn = 0;
  const healthyAt = (node: string, at: number) => at - (lastAnswer.get(node) ?? -Infinity) <= deadAfterMs;
  return {
    nodes,
    answered(node: string): void {
      lastAnswer.set(node, now());
    },
    /** The next healthy node in turn, but none of `except` (nodes that refused the call), or undefined when none answers. */
    next(except: readonly string[] = []): string | undefined {
      const at = now();
      const healthy = nodes.filter((node) => healthyAt(node, at) && !except.includes(node));
      if (healthy.length === 0) return undefined;
      return healthy[turn++ % healthy.length];
    },
    state(): { node: string; healthy: boolean }[] {
      const at = now();
      return nodes.map((node) => ({ node, healthy: healthyAt(node, at) }));
    },
  };
}
export type MediaNodePool = ReturnType<typeof createMediaNodePool>;
