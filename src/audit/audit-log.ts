import type { Principal } from '../auth/access.js';
import { log } from '../log.js';
import type { Keys } from '../store/keys.js';
import { type RedisClient, scanKeys } from '../store/redis-client.js';

/** Region-wide objects (tokens of operators, the region's own settings) are audited under this scope. */
export const REGION_SCOPE = 'region';

export interface AuditEntry {
  id: string;
  at: string;
  actor: { id: string; name: string; role: string };
  action: 'create' | 'update' | 'delete';
  object: { type: string; id: string };
  municipalityId?: string;
  before?: unknown;
  after?: unknown;
}

export type AuditChange = Pick<AuditEntry, 'action' | 'object' | 'municipalityId' | 'before' | 'after'>;

/** An entry ready to be added: its stream, its fields, and the oldest stream id to keep (ms, for XADD MINID). */
export interface AuditStreamEntry {
  key: string;
  fields: Record<string, string>;
  minId: number;
}

/** What a script needs to write audit entries itself: the stream, the time, the actor (JSON) and the oldest id to keep (ms). */
export interface AuditContext {
  key: string;
  at: string;
  actor: string;
  minId: number;
}

/**
 * Every admin change: who, when, which object, before and after. One Redis stream per
 * municipality (and one for region-wide objects), so a municipality's log is read without
 * scanning the others'. Append-only: nothing here updates or deletes an entry, except that
 * entries older than the retention go. Adding trims only roughly (XADD MINID ~ frees whole
 * stream nodes, so a small or quiet stream keeps old entries), hence `query` never returns
 * an entry past the retention and `trim` (run hourly, audit-retention.ts) removes them exactly.
 */
export function createAuditLog(redis: RedisClient, k: Keys, { retentionDays }: { retentionDays: number }) {
  const retentionMs = retentionDays * 86_400_000;
  /** The oldest stream id (ms) still kept: entry ids are their time of writing. */
  const oldestKept = () => Date.now() - retentionMs;

  /** Who and when, and where to write: what every entry of one change has in common. */
  function context(actor: Principal, municipalityId: string | undefined): AuditContext {
    return {
      key: k.audit(municipalityId ?? REGION_SCOPE),
      at: new Date().toISOString(),
      actor: JSON.stringify({ id: actor.id, name: actor.name, role: actor.role }),
      minId: oldestKept(),
    };
  }

  /** The stream entry of a change, as append writes it. */
  function entry(actor: Principal, change: AuditChange): AuditStreamEntry {
    const { key, at, actor: who, minId } = context(actor, change.municipalityId);
    return {
      key,
      fields: {
        at,
        actor: who,
        action: change.action,
        objectType: change.object.type,
        objectId: change.object.id,
        ...(change.municipalityId ? { municipalityId: change.municipalityId } : {}),
        ...(change.before === undefined ? {} : { before: JSON.stringify(change.before) }),
        ...(change.after === undefined ? {} : { after: JSON.stringify(change.after) }),
      },
      minId,
    };
  }

  return {
    /** Adds the entry to a transaction, so a change and its audit entry are written together or not at all. */
    append(tx: ReturnType<RedisClient['multi']>, actor: Principal, change: AuditChange): void {
      const { key, fields, minId } = entry(actor, change);
      tx.xAdd(key, '*', fields, { TRIM: { strategy: 'MINID', strategyModifier: '~', threshold: minId } });
    },

    /**
     * The entry for a Lua script to XADD in the same step as its change (admin/versioned-store.ts),
     * where a MULTI cannot be used because the change depends on what the script reads.
     */
    entry,

    /** For scripts that write many entries, or learn the object only while running (store/lua/directory-*.lua). */
    context,

    /**
     * Newest first, none older than the retention; `before` is the id of the last entry of the
     * previous page (a valid stream id: http/routes/audit.ts checks it with StreamIdSchema).
     */
    async query(options: {
      scope: string;
      objectType?: string;
      objectId?: string;
      limit: number;
      before?: string;
    }): Promise<AuditEntry[]> {
      const found: AuditEntry[] = [];
      const start = String(oldestKept());
      let end = options.before ? `(${options.before}` : '+';
      // Filtering by object happens here, so read in pages until enough match or the stream ends.
      for (;;) {
        const page =
          (await redis.xRevRange(k.audit(options.scope), end, start, { COUNT: Math.max(100, options.limit) })) ?? [];
        for (const { id, message } of page) {
          const entry = toEntry(id, message);
          if (
            (!options.objectType || entry.object.type === options.objectType) &&
            (!options.objectId || entry.object.id === options.objectId)
          )
            found.push(entry);
          if (found.length === options.limit) return found;
        }
        if (page.length < Math.max(100, options.limit)) return found;
        end = `(${page.at(-1)!.id}`;
      }
    },

    /**
     * Removes every entry older than the retention from every audit stream, exactly (XTRIM
     * MINID without ~), also from streams nothing is written to any more (a municipality that
     * left the region). Each XTRIM is atomic; returns how many entries went.
     */
    async trim(): Promise<number> {
      const minId = oldestKept();
      let removed = 0;
      for await (const streams of scanKeys(redis, {
        MATCH: `${globEscape(k.audit(''))}*`,
        TYPE: 'stream',
        COUNT: 1000,
      })) {
        for (const key of streams) removed += await redis.xTrim(key, 'MINID', minId);
      }
      if (removed > 0) trimLog.info({ removed, retentionDays }, 'audit entries past their retention removed');
      return removed;
    },
  };
}

const trimLog = log.child({ component: 'audit-log' });

/** `text` matched literally by SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export type AuditLog = ReturnType<typeof createAuditLog>;

function toEntry(id: string, fields: Record<string, string>): AuditEntry {
  const parse = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as unknown));
  return {
    id,
    at: fields.at!,
    actor: parse(fields.actor) as AuditEntry['actor'],
    action: fields.action as AuditEntry['action'],
    object: { type: fields.objectType!, id: fields.objectId! },
    ...(fields.municipalityId ? { municipalityId: fields.municipalityId } : {}),
    ...(fields.before === undefined ? {} : { before: parse(fields.before) }),
    ...(fields.after === undefined ? {} : { after: parse(fields.after) }),
  };
}
