import { createRoute } from '@hono/zod-openapi';
import { ROLES, assertInScope, scopedMunicipality } from '../../auth/access.js';
import type { TokenStore } from '../../auth/token-store.js';
import { AppError } from '../../errors.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { MunicipalityIdSchema, apiRouter, errors, jsonResponse, z } from '../openapi.js';

const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    municipalityId: z.string().optional(),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string().optional(),
  })
  .openapi('Token');

const NewTokenSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100),
    role: z.enum(ROLES),
    municipalityId: MunicipalityIdSchema.optional(),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((token) => (token.role === 'municipality-admin') === (token.municipalityId !== undefined), {
    path: ['municipalityId'],
    message: 'a municipality-admin token needs one; other roles are region-wide and must not have one',
  })
  .openapi('NewToken');

const listTokens = createRoute({
  method: 'get',
  path: '/',
  tags: ['Tokens'],
  summary: 'Valid tokens (never the secrets); a municipality admin sees their municipality’s',
  request: { query: z.object({ municipality: MunicipalityIdSchema.optional() }).strict() },
  responses: { 200: jsonResponse('Tokens', z.object({ tokens: z.array(TokenSchema) })), ...errors(400, 401, 403) },
});
const createToken = createRoute({
  method: 'post',
  path: '/',
  tags: ['Tokens'],
  summary: 'Make a token; the secret is in this answer only',
  request: { body: { required: true, content: { 'application/json': { schema: NewTokenSchema } } } },
  responses: { 201: jsonResponse('Created', z.object({ token: z.string(), record: TokenSchema })), ...errors(400, 401, 403) },
});
const revokeToken = createRoute({
  method: 'delete',
  path: '/{tokenId}',
  tags: ['Tokens'],
  summary: 'Revoke a token at once',
  request: { params: z.object({ tokenId: z.string().regex(/^[0-9a-f]{16}$/, 'must be a token id (16 hex digits)') }) },
  responses: { 204: { description: 'Revoked' }, ...errors(400, 401, 403, 404) },
});

export function tokenRoutes(deps: { tokens: TokenStore }) {
  const read = apiRouter<AuthEnv>();
  read.use(requirePermission('tokens:read'));
  read.openapi(listTokens, async (c) => {
    const municipality = scopedMunicipality(c.get('principal'), c.req.valid('query').municipality);
    return c.json({ tokens: await deps.tokens.list(municipality) }, 200);
  });

  const write = apiRouter<AuthEnv>();
  write.use(requirePermission('tokens:write'));
  write
    .openapi(createToken, async (c) => {
      const principal = c.get('principal');
      const body = c.req.valid('json');
      // A municipality admin makes tokens for their own municipality only, so never region-wide roles.
      assertInScope(principal, body.municipalityId);
      return c.json(await deps.tokens.create(body, principal), 201);
    })
    .openapi(revokeToken, async (c) => {
      const principal = c.get('principal');
      const { tokenId } = c.req.valid('param');
      const record = await deps.tokens.get(tokenId);
      if (!record) throw new AppError(404, 'token_not_found', `No token has the id ${tokenId}`);
      assertInScope(principal, record.municipalityId);
      await deps.tokens.revoke(tokenId, principal);
      return c.body(null, 204);
    });

  return apiRouter<AuthEnv>().route('/', read).route('/', write);
}
