import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
} from 'redis';
import { AppError } from '../errors.js';
import { log } from '../log.js';

/**
 * What node-redis throws when it cannot talk to Redis at all (the client fails commands at once
 * while disconnected: store/redis-client.ts). That is an outage to retry after, not a bug: 503.
 */
const REDIS_UNREACHABLE = [
  ClientOfflineError,
  ClientClosedError,
  ConnectionTimeoutError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
];

/**
 * The one place errors become HTTP answers: {error: {code, message, details?}}. A caller's
 * mistake keeps its status; Redis out of reach is a 503 (like Asterisk's, media/ari-connection.ts);
 * anything else unexpected is a 500 that says nothing internal.
 */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof AppError) {
    return c.json(
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      error.status,
    );
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 415) {
      return c.json(
        {
          error: {
            code: 'unsupported_media_type',
            message: 'Send the request body as JSON, with Content-Type: application/json',
          },
        },
        status,
      );
    }
    // Hono's JSON validator refuses a body that does not parse before any schema sees it: still name the field.
    if (status === 400 && /malformed json/i.test(error.message)) {
      return c.json(
        {
          error: {
            code: 'invalid_request',
            message: 'body: is not valid JSON',
            details: [{ field: 'body', problem: 'is not valid JSON' }],
          },
        },
        status,
      );
    }
    return c.json(
      {
        error: {
          code: status === 400 ? 'invalid_request' : 'http_error',
          message: error.message || 'Request not accepted',
        },
      },
      status,
    );
  }
  if (REDIS_UNREACHABLE.some((type) => error instanceof type)) {
    log.warn(
      { reason: error.message, method: c.req.method, path: c.req.path },
      'request failed: Redis cannot be reached',
    );
    return c.json(
      {
        error: {
          code: 'redis_unavailable',
          message: 'The switchboard’s database (Redis) cannot be reached right now; try again shortly',
        },
      },
      503,
    );
  }
  log.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
  return c.json(
    { error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged' } },
    500,
  );
}

export function notFound(c: Context): Response {
  return c.json({ error: { code: 'not_found', message: `No such endpoint: ${c.req.method} ${c.req.path}` } }, 404);
}
