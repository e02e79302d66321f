/** A region-wide unique value, "{kind}:{value}" (e.g. "extension:2460123"), and the field that holds it. */
export interface Claim {
  claim: string;
  field: string;
}
