import type { AdminStores } from '../admin/index.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { DirectNumberOwner } from './route-call.js';

/**
 * Who a direct-dial number is given to, from the admin store's region-wide claims
 * ({p}:claim:e164:<number> → "extension:<id>" or "number:<id>"): an extension's own direct
 * number, or a numbers entry whose target is an extension. A numbers entry routed to the queue
 * or to an external number has no extension owner (the call goes to the queue).
 */
export function directNumberOwner(redis: RedisClient, k: Keys, admin: Pick<AdminStores, 'extensions' | 'numbers'>): DirectNumberOwner {
  return async (e164) => {
    const holder = await redis.get(k.claim(`e164:${e164}`));
    if (!holder) return undefined;
    const [type, id = ''] = holder.split(':');
    if (type === 'extension') return (await admin.extensions.get(id))?.doc.extension;
    if (type === 'number') {
      const target = (await admin.numbers.get(id))?.doc.target;
      return target?.kind === 'extension' ? target.extension : undefined;
    }
    return undefined;
  };
}
