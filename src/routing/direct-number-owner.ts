import type { AdminStores } from '../admin/index.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { DirectNumberTarget } from './route-call.js';

/**
 * Where a direct-dial number is set to go, from the admin store's region-wide claims
 * ({p}:claim:e164:<number> → "extension:<id>" or "number:<id>"): an extension's own direct
 * number, or a numbers entry whose target is an extension or an external number. A numbers
 * entry routed to the queue has no target (the call goes to the queue).
 */
export function directNumberTarget(
  redis: RedisClient,
  k: Keys,
  admin: Pick<AdminStores, 'extensions' | 'numbers'>,
): DirectNumberTarget {
  return async (e164) => {
    const holder = await redis.get(k.claim(`e164:${e164}`));
    if (!holder) return undefined;
    const [type, id = ''] = holder.split(':');
    if (type === 'extension') {
      const extension = (await admin.extensions.get(id))?.doc.extension;
      return extension === undefined ? undefined : { kind: 'extension', extension };
    }
    if (type === 'number') {
      const target = (await admin.numbers.get(id))?.doc.target;
      if (target?.kind === 'extension') return { kind: 'extension', extension: target.extension };
      if (target?.kind === 'external') return { kind: 'external', number: target.number };
    }
    return undefined;
  };
}
