import { DateTime } from 'luxon';
import { type DialPolicyStore, dialPolicyReader } from '../admin/dial-policies.js';
import type { RegionConfig } from '../config/region-schema.js';
import { publishEvent } from '../events/event-stream.js';
import { log } from '../log.js';
import type { ClassifiedNumber } from '../numbers/number-class.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { type CallerKind, type DialDecision, diallingDenied } from './dial-policy.js';

/** Who a refusal concerns, as logged and published (never the number dialled). */
export type DialContext = { callId?: string; extension?: string };

/**
 * The dial policy as the rest of the switchboard asks it: with each municipality's stored
 * policy (admin/dial-policies.ts, the default until one is stored) and the daily caps per
 * extension. The SIP edge and call control hold this one guard (services.dialling); the admin
 * API's check of forward targets decides through the same policy reader, recording nothing.
 */
export interface DiallingGuard {
  /** The decision for `kind` of `municipalityId` dialling `dialled`; a refusal is recorded (log, event for IT staff). */
  decide(municipalityId: string, kind: CallerKind, dialled: string, context?: DialContext): Promise<DialDecision>;
  /** decide(), throwing an AppError (`status`, code `dialling_denied`, the field and the class in its details) on a refusal. */
  assertAllowed(
    municipalityId: string,
    kind: CallerKind,
    dialled: string,
    refusal: { status: 403 | 409; field: string },
    context?: DialContext,
  ): Promise<ClassifiedNumber>;
  /** Counts one external call of the extension today if its daily cap allows it; past either limit nothing is counted, and IT staff get an event once a day. */
  admitExtensionCall(
    municipalityId: string,
    extension: string,
  ): Promise<{ admitted: true } | { admitted: false; limit: 'calls' | 'minutes' }>;
  /** Adds an admitted call's talk time (whole minutes, rounded up) to the extension's minutes of the day its talk began, which is the day it was admitted but around midnight. */
  recordExtensionCallEnded(municipalityId: string, extension: string, seconds: number): Promise<void>;
}

/** A day's counts outlive the day, so that a call ending after midnight still finds them; then Redis drops them. */
const CAP_DAY_TTL_SECONDS = 2 * 24 * 60 * 60;
const ZONE = 'Europe/Stockholm';

/** The local date of an instant, yyyy-mm-dd: the day a cap counts in. */
const localDay = (ms: number): string => DateTime.fromMillis(ms, { zone: ZONE }).toISODate()!;

/**
 * The dial policy as the switchboard asks it (see DiallingGuard): each decision reads the
 * municipality's stored policy once (admin/dial-policies.ts); a refusal is logged without the
 * number (debug has it) and published as `dialling.refused` for IT staff. The daily cap per
 * extension is one script per admission (store/lua/dial-cap-admit-1.lua), counted per local day in
 * Europe/Stockholm; the minutes of a call go to the day its talk began (`now` minus its length),
 * which is the day it was admitted but for a call admitted in the last seconds before midnight
 * and answered after it (docs/decisions.md, "Dial policy").
 */
export function createDiallingGuard(
  redis: RedisClient,
  k: Keys,
  {
    policies,
    region,
    now = Date.now,
  }: { policies: Pick<DialPolicyStore, 'get'>; region: RegionConfig; now?: () => number },
): DiallingGuard {
  const reader = dialPolicyReader(policies, region);

  async function recordRefusal(
    municipalityId: string,
    kind: CallerKind,
    decision: DialDecision,
    dialled: string,
    context: DialContext,
  ): Promise<void> {
    const who = { municipalityId, kind, class: decision.class, ...context };
    log.info(who, 'dialling refused by the dial policy');
    log.debug({ ...who, dialled }, 'dialling refused: the number');
    const fields = Object.fromEntries(
      Object.entries({ kind, class: decision.class, ...context }).filter(([, value]) => value !== undefined),
    );
    // The refusal stands whether or not IT staff can be told.
    await publishEvent(redis, k, 'dialling.refused', municipalityId, fields).catch((error: unknown) =>
      log.warn({ err: error, ...who }, 'could not publish dialling.refused'),
    );
  }

  async function decide(
    municipalityId: string,
    kind: CallerKind,
    dialled: string,
    context: DialContext = {},
  ): Promise<DialDecision> {
    const decision = await reader.decide(municipalityId, kind, dialled);
    if (!decision.allowed) await recordRefusal(municipalityId, kind, decision, dialled, context);
    return decision;
  }

  return {
    decide,

    async assertAllowed(municipalityId, kind, dialled, refusal, context) {
      const decision = await decide(municipalityId, kind, dialled, context);
      if (!decision.allowed) throw diallingDenied(decision, kind, reader.nameOf(municipalityId), refusal);
      return { class: decision.class, dial: decision.dial };
    },

    async admitExtensionCall(municipalityId, extension) {
      const { extensionDailyCap: cap } = await reader.policyOf(municipalityId);
      const reply = await redis.dialCapAdmit(
        [k.dialCap(extension, localDay(now()))],
        [k.prefix, municipalityId, extension, String(cap.calls), String(cap.minutes), String(CAP_DAY_TTL_SECONDS)],
      );
      if (!Array.isArray(reply)) throw new Error(`dial-cap-admit replied ${JSON.stringify(reply)}`);
      if (reply[0] === 1) return { admitted: true };
      const limit = reply[1] === 'minutes' ? 'minutes' : 'calls';
      const who = { municipalityId, extension, limit, cap: cap[limit] };
      if (reply[2] === 1)
        log.warn(
          who,
          'extension reached its daily cap of external calls: refused until midnight; IT staff told (dialling.cap-reached)',
        );
      else log.info(who, 'external call refused: the extension is past its daily cap');
      return { admitted: false, limit };
    },

    async recordExtensionCallEnded(municipalityId, extension, seconds) {
      const minutes = Math.ceil(seconds / 60);
      if (!(minutes > 0)) return;
      const key = k.dialCap(extension, localDay(now() - seconds * 1000));
      await redis.multi().hIncrBy(key, 'minutes', minutes).expire(key, CAP_DAY_TTL_SECONDS, 'NX').exec();
      log.debug({ municipalityId, extension, minutes }, 'external minutes counted against the daily cap');
    },
  };
}
