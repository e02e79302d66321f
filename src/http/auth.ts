import type { MiddlewareHandler } from 'hono';
import { type Permission, assertPermission } from '../auth/access.js';
import type { TokenRecord, TokenStore } from '../auth/token-store.js';
import { AppError } from '../errors.js';

export type AuthEnv = { Variables: { principal: TokenRecord } };

/** Requires `Authorization: Bearer <token>` of a known, unexpired token. The token is never logged. */
export function requireToken(tokens: TokenStore): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError(401, 'unauthenticated', 'Send an API token as "Authorization: Bearer <token>"');
    const principal = await tokens.verify(match[1]);
    if (!principal) throw new AppError(401, 'unauthenticated', 'The API token is unknown, revoked or expired');
    c.set('principal', principal);
    await next();
  };
}

/** Requires a permission of the token's role (auth/access.ts); a 403 says which. */
export function requirePermission(permission: Permission): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    assertPermission(c.get('principal'), permission);
    await next();
  };
}
