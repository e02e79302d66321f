/**
 * What a called number is, as the directory knows it. The SIP edge and the media side both
 * turn a target into what happens to the call through routing/route-call.ts, so that one
 * piece of code decides where every call goes.
 */
export type RouteTarget =
  /** A municipality's main number: its switchboard queue. */
  | { kind: 'main-number'; municipalityId: string }
  /** The regional number: the caller chooses the municipality; `municipalityId` is the default. */
  | { kind: 'regional-number'; municipalityId: string }
  /** A number in a municipality's direct-dial range. */
  | { kind: 'direct-dial'; municipalityId: string };

/** A direct-dial range as stored: inclusive E.164 bounds. */
export interface DirectDialRange {
  from: string;
  to: string;
  municipalityId: string;
}
