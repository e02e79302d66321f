import type { MiddlewareHandler } from 'hono';
import { type Permission, assertPermission } from '../auth/access.js';
import type { TokenRecord, TokenStore } from '../auth/token-store.js';
import { AppError } from '../errors.js';

export type AuthEnv = { Variables: { principal: TokenRecord } };

/** The token of an Authorization header; 401 when it is not `Bearer <token>`. */
export function bearerToken(header: string | undefined): string {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!token) throw new AppError(401, 'unauthenticated', 'Send an API token as "Authorization: Bearer <token>"');
  return token;
}

/** Requires `Authorization: Bearer <token>` of a known, unexpired token. The token is never logged. */
export function requireToken(tokens: TokenStore): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const principal = await tokens.verify(bearerToken(c.req.header('authorization')));
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
