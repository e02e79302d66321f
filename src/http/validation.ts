import type { z } from 'zod';
import { formatPath } from '../config/load-region.js';
import { AppError } from '../errors.js';

export type RequestPart = 'body' | 'query' | 'path';

/**
 * Validates one part of a request. A failure is a 400 whose message names every bad field
 * ("body.phone: must be a SIP URI ..."), the same shape for every endpoint.
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    field: [part, formatPath(issue.path)].filter(Boolean).join('.'),
    problem: issue.message,
  }));
  throw new AppError(400, 'invalid_request', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
}
