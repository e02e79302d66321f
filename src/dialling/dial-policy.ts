import { AppError } from '../errors.js';
import { type ClassifiedNumber, NUMBER_CLASSES, type NumberClass, classifyNumber } from '../numbers/number-class.js';

/**
 * The one number policy every call that leaves the region asks (toll fraud): what a
 * municipality allows each kind of caller to dial, by number class (numbers/number-class.ts).
 * Pure: the policy as stored (admin/dial-policies.ts) and a dialled number in, a decision out.
 * The SIP edge (a phone dialling out, a direct number forwarded), call control (an operator's
 * transfer, a call-back) and the admin API (a forward target) all decide here.
 */

/** Who makes a call leave: a registered phone, an operator's transfer, a booked call-back, a direct number forwarded out. */
export const CALLER_KINDS = ['extension', 'transfer', 'callback', 'forwarded'] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];

const ALWAYS = ['emergency', 'short-service'] as const satisfies readonly NumberClass[];
const NEVER = ['invalid'] as const satisfies readonly NumberClass[];
/** Always dialled, for every caller, whatever a policy says: nothing may stand between a person and 112 or 1177. */
export const ALWAYS_ALLOWED: ReadonlySet<NumberClass> = new Set(ALWAYS);
/** Never dialled. */
const NEVER_ALLOWED: ReadonlySet<NumberClass> = new Set(NEVER);

/** The classes an admin chooses among, per caller kind: every class but those always or never dialled. */
export type ChoosableClass = Exclude<NumberClass, (typeof ALWAYS)[number] | (typeof NEVER)[number]>;
export const CHOOSABLE_CLASSES: readonly ChoosableClass[] = NUMBER_CLASSES.filter(
  (cls): cls is ChoosableClass => !ALWAYS_ALLOWED.has(cls) && !NEVER_ALLOWED.has(cls),
);

/** What ships: everything a municipality calls every day, nothing that costs more than a national call. */
export const DEFAULT_ALLOWED: readonly ChoosableClass[] = [
  'regional',
  'national-fixed',
  'mobile',
  'toll-free',
  'national-nongeographic',
  'shared-cost',
];

export interface DialPolicy {
  /** Per caller kind, the classes allowed besides ALWAYS_ALLOWED. */
  allow: Record<CallerKind, readonly ChoosableClass[]>;
  /** Per extension and local day, external calls (emergency and short numbers not counted); past either limit calls are refused. */
  extensionDailyCap: { calls: number; minutes: number };
}

export const DEFAULT_DIAL_POLICY: DialPolicy = {
  allow: {
    extension: DEFAULT_ALLOWED,
    transfer: DEFAULT_ALLOWED,
    callback: DEFAULT_ALLOWED,
    forwarded: DEFAULT_ALLOWED,
  },
  extensionDailyCap: { calls: 200, minutes: 600 },
};

export type DialDecision = ({ allowed: true } | { allowed: false; reason: string }) & ClassifiedNumber;

/** Whether `kind` may dial `dialled` under `policy`; the decision names the class either way. */
export function decideDial(
  policy: DialPolicy,
  kind: CallerKind,
  dialled: string,
  regionalAreaCodes: ReadonlySet<string>,
): DialDecision {
  const classified = classifyNumber(dialled, regionalAreaCodes);
  if (ALWAYS_ALLOWED.has(classified.class)) return { allowed: true, ...classified };
  if (NEVER_ALLOWED.has(classified.class))
    return { allowed: false, reason: 'is not a number that can be dialled', ...classified };
  if ((policy.allow[kind] as readonly NumberClass[]).includes(classified.class))
    return { allowed: true, ...classified };
  const article = /^[aeiou]/.test(classified.class) ? 'an' : 'a';
  return {
    allowed: false,
    reason: `is ${article} ${classified.class} number, not allowed for ${kind} calls`,
    ...classified,
  };
}

export type DialRefusal = DialDecision & { allowed: false };

/** What is wrong with a refused number, said of the field that holds it (an API error's details, an import's row problem). */
export function refusalProblem(refused: DialRefusal, municipalityName: string): string {
  return refused.class === 'invalid' ? refused.reason : `${refused.reason} by the dial policy of ${municipalityName}`;
}

/** The one error of a refusal in the API: 403 for an action on a call, 409 for an admin object (docs/decisions.md, "Dial policy"). */
export function diallingDenied(
  refused: DialRefusal,
  kind: CallerKind,
  municipalityName: string,
  refusal: { status: 403 | 409; field: string },
): AppError {
  return new AppError(
    refusal.status,
    'dialling_denied',
    `${refused.class} numbers may not be dialled for ${kind} calls (dial policy of ${municipalityName})`,
    [{ field: refusal.field, problem: refusalProblem(refused, municipalityName), class: refused.class }],
  );
}
