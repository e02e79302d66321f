import { AppError } from '../errors.js';
import { z } from '../validation/schema.js';

/**
 * Optimistic concurrency for every changeable object: GET answers `ETag: "<version>"`, and a
 * change must send it back as If-Match (428 without it, 412 when it is not the current version).
 */

const ETAG = /^(?:W\/)?"(\d{1,15})"$/;
export const IfMatchHeaders = z.object({
  'if-match': z.string().regex(ETAG, 'must be one ETag as GET gave it, e.g. "3"').optional().openapi({
    description: 'Required: the ETag of the version being changed (428 without it, 412 when it is not the current one)',
    example: '"3"',
  }),
});

export const ETagHeader = {
  ETag: {
    description: 'The version of the object, to send back as If-Match',
    schema: { type: 'string' as const, example: '"3"' },
  },
};

export const etag = (version: number) => `"${version}"`;

/**
 * The version an If-Match names. A weak ETag (W/"3", as some proxies rewrite it) names the same
 * version: one version has exactly one representation.
 */
export function basedOn(ifMatch: string | undefined): number {
  if (ifMatch === undefined) {
    throw new AppError(
      428,
      'precondition_required',
      'Send If-Match with the ETag of the version you are changing (from GET), so that no one else’s change is overwritten',
    );
  }
  return Number(ETAG.exec(ifMatch)![1]);
}
