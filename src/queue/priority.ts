import { inRanges } from '../admin/region-rules.js';
import type { PriorityClass, RegionConfig } from '../config/region-schema.js';
import { e164Digits } from '../numbers/phone-number.js';

/** The priority class a call was put in, stored on its record (calls/call-record.ts). */
export interface PriorityClassMatch {
  priorityClass: string;
  /** Added to the call's effective wait when an operator's next call is chosen (store/lua/claim-1.lua). */
  boostSeconds: number;
}

/**
 * Which priority class of the called municipality's queue policy a caller falls in: the first
 * class, in the order written, that matches. `memberNumbers` matches a caller from any member's
 * extension range (an internal caller shows as the bare extension) or direct-dial range
 * (E.164); `numbers` lists callers by number. The classes are the stored policy's, read for each
 * arriving call (queue/policy/); without them, config/region.yaml's (queuePolicy.priorityClasses),
 * which is also what the policy store shows until a policy is stored. The member ranges are the
 * config's, read once at start like every range.
 */
export function priorityClassifier(region: RegionConfig) {
  const members = region.municipalities;
  const configured = new Map(members.map((m) => [m.id, m.queuePolicy.priorityClasses]));
  const isMemberNumber = (caller: string) =>
    /^\d+$/.test(caller)
      ? members.some((m) => inRanges(m.extensionRanges, caller, Number))
      : /^\+\d+$/.test(caller) && members.some((m) => inRanges(m.directDialRanges, caller, e164Digits));

  return (
    municipalityId: string,
    caller: string,
    classes: readonly PriorityClass[] = configured.get(municipalityId) ?? [],
  ): PriorityClassMatch | undefined => {
    const match = classes.find((c) => (c.memberNumbers && isMemberNumber(caller)) || c.numbers.includes(caller));
    return match && { priorityClass: match.name, boostSeconds: match.boostSeconds };
  };
}

export type PriorityClassifier = ReturnType<typeof priorityClassifier>;
