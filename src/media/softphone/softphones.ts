import type { Client } from 'ari-client';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { ariRequest, isGone } from '../call-media.js';
import {
  type SoftphoneCredentials,
  type SoftphoneRecord,
  SoftphoneRecordSchema,
  type SoftphoneSettings,
  newSoftphoneName,
  newSoftphonePassword,
  softphoneExpiry,
  softphoneObjects,
  softphoneSipUri,
} from './softphone-credentials.js';

const CONFIG_CLASS = 'res_pjsip';

/**
 * Operators' browser phones on this instance's Asterisk (softphone-credentials.ts): issued to an
 * operator token, found again for its login and ring, revoked at logout, swept at expiry. Redis
 * keeps which endpoint an operator has, never its password.
 */
export function createSoftphones({
  redis,
  k,
  client,
  mediaNode,
  settings,
  now = Date.now,
}: {
  redis: RedisClient;
  k: Keys;
  /** This instance's ARI client (503 while Asterisk cannot be reached). */
  client: () => Client;
  mediaNode: string;
  settings: SoftphoneSettings;
  now?: () => number;
}) {
  async function current(operatorId: string): Promise<SoftphoneRecord | undefined> {
    const text = await redis.get(k.softphone(operatorId));
    if (!text) return undefined;
    const parsed = SoftphoneRecordSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.expiresAt > now() ? parsed.data : undefined;
  }

  /** Deletes a browser phone's objects from this Asterisk; those already gone count as deleted. */
  async function deleteObjects(name: string): Promise<void> {
    for (const { objectType } of [...softphoneObjects(name, '', settings)].reverse()) {
      await ariRequest(
        'delete a browser phone',
        client().asterisk.deleteObject({ configClass: CONFIG_CLASS, objectType, id: name }),
      ).catch((error: unknown) => {
        if (!isGone(error)) throw error;
      });
    }
  }

  return {
    /** Where browser phones register: the console's Content-Security-Policy allows it. */
    wsUrl: settings.wsUrl,
    current,

    /**
     * Credentials for the operator's browser phone, valid SOFTPHONE_LIFETIME_MS from now. An
     * operator who has one on this node keeps its name (their session rings it) with a new
     * password; otherwise a new one is made. Stored only once Asterisk has all three objects: a
     * failure half-way deletes what was made.
     */
    async issue(operatorId: string): Promise<SoftphoneCredentials> {
      const existing = await current(operatorId);
      const name = existing?.mediaNode === mediaNode ? existing.endpoint : newSoftphoneName();
      const password = newSoftphonePassword();
      const expiresAt = softphoneExpiry(now());
      try {
        for (const { objectType, fields } of softphoneObjects(name, password, settings)) {
          await ariRequest(
            'create a browser phone',
            client().asterisk.updateObject({
              configClass: CONFIG_CLASS,
              objectType,
              id: name,
              fields: { fields: Object.entries(fields).map(([attribute, value]) => ({ attribute, value })) },
            }),
          );
        }
      } catch (error) {
        if (name !== existing?.endpoint) await deleteObjects(name).catch(() => undefined);
        if (error instanceof AppError) throw error;
        log.warn({ operatorId, err: error }, 'could not make a browser phone');
        throw new AppError(
          503,
          'softphone_unavailable',
          'The media server could not make the browser phone now: try again',
        );
      }
      const record: SoftphoneRecord = { endpoint: name, mediaNode, expiresAt };
      await redis
        .multi()
        .set(k.softphone(operatorId), JSON.stringify(record), { expiration: { type: 'PXAT', value: expiresAt } })
        .zAdd(k.softphones(mediaNode), { score: expiresAt, value: name })
        .exec();
      log.info({ operatorId, endpoint: name, mediaNode }, 'browser phone issued');
      return {
        wsUrl: settings.wsUrl,
        sipUri: softphoneSipUri(name, settings.wsUrl),
        username: name,
        password,
        expiresAt: new Date(expiresAt).toISOString(),
      };
    },

    /** The operator's browser phone is deleted (logout); on another node, that node's sweep deletes it at expiry. */
    async revoke(operatorId: string): Promise<void> {
      const record = await current(operatorId);
      await redis.del(k.softphone(operatorId));
      if (!record || record.mediaNode !== mediaNode) return;
      await deleteObjects(record.endpoint);
      await redis.zRem(k.softphones(mediaNode), record.endpoint);
      log.info({ operatorId, endpoint: record.endpoint }, 'browser phone deleted');
    },

    /** Deletes this node's browser phones past their expiry (runPeriodically). */
    async sweep(): Promise<number> {
      const expired = await redis.zRangeByScore(k.softphones(mediaNode), '-inf', now());
      for (const name of expired) {
        await deleteObjects(name);
        await redis.zRem(k.softphones(mediaNode), name);
      }
      return expired.length;
    },
  };
}

export type Softphones = ReturnType<typeof createSoftphones>;
