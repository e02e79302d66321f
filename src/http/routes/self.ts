import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { assertInScope } from '../../auth/access.js';
import type { TokenStore } from '../../auth/token-store.js';
import type { ExtensionStore } from '../../admin/extensions.js';
import { ExtensionNumberSchema } from '../../admin/fields.js';
import { absenceInputSchema } from '../../directory/entries/entry-schema.js';
import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import { AppError } from '../../errors.js';
import { ChosenPinSchema, PinSchema, type ExtensionPins } from '../../self-service/extension-pins.js';
import type { SelfSignIn } from '../../self-service/self-sign-in.js';
import { z } from '../../validation/schema.js';
import { type AuthEnv, bearerToken, requirePermission } from '../auth.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { EntryViewSchema, entryView } from './directory.js';

/**
 * The personal page's API (issue 16): a person signs in with their extension and its PIN and
 * sets or clears their own hänvisning, nothing else; IT staff set the extension's PIN.
 */

const SignInSchema = z.strictObject({ extension: ExtensionNumberSchema, pin: PinSchema }).openapi('SelfSignIn');

const SessionSchema = z
  .object({
    token: z.string().openapi({ description: 'Send as "Authorization: Bearer <token>" to /api/v1/self' }),
    expiresAt: z.string(),
    entryId: z.string(),
  })
  .openapi('SelfSession');

const MeSchema = z.object({ entry: EntryViewSchema, expiresAt: z.string() }).openapi('SelfView');

const signIn = createRoute({
  method: 'post',
  path: '/sign-in',
  tags: ['Personal page'],
  summary: 'Sign in with an extension number and its PIN: a session that may set that person’s hänvisning only',
  security: [],
  request: { body: { required: true, content: { 'application/json': { schema: SignInSchema } } } },
  responses: {
    200: jsonResponse('A session token, valid for a working day', SessionSchema),
    ...errors(400, 401),
    429: { ...errors(401)[401], description: 'Too many wrong PINs for this extension: locked for a while' },
  },
});

const me = createRoute({
  method: 'get',
  path: '/',
  tags: ['Personal page'],
  summary: 'The signed-in person’s directory entry and hänvisning',
  responses: { 200: jsonResponse('The entry', MeSchema), ...errors(401, 403, 404) },
});

const setOwnAbsence = createRoute({
  method: 'put',
  path: '/absence',
  tags: ['Personal page'],
  summary: 'Set one’s own hänvisning (reason, text, until when)',
  request: {
    body: { required: true, content: { 'application/json': { schema: absenceInputSchema.openapi('AbsenceInput') } } },
  },
  responses: { 200: jsonResponse('The entry with its hänvisning', EntryViewSchema), ...errors(400, 401, 403, 404) },
});

const clearOwnAbsence = createRoute({
  method: 'delete',
  path: '/absence',
  tags: ['Personal page'],
  summary: 'Clear one’s own hänvisning',
  responses: { 200: jsonResponse('The entry without hänvisning', EntryViewSchema), ...errors(401, 403, 404) },
});

const ChangePinSchema = z
  .strictObject({ currentPin: PinSchema, newPin: ChosenPinSchema })
  .refine((body) => body.newPin !== body.currentPin, { path: ['newPin'], message: 'must differ from the current PIN' })
  .openapi('SelfPinChange');

const changeOwnPin = createRoute({
  method: 'put',
  path: '/pin',
  tags: ['Personal page'],
  summary: 'Change the PIN of the extension one signed in with: the current PIN and a new one',
  description:
    'The new PIN: 4 to 12 digits, not one digit repeated, not a run such as 1234 or 4321, not the current one. A wrong current PIN is 400 `wrong_pin` naming body.currentPin and counts against the extension as a wrong sign-in does (429 once locked).',
  request: { body: { required: true, content: { 'application/json': { schema: ChangePinSchema } } } },
  responses: {
    204: { description: 'Changed: the next sign-in takes the new PIN' },
    ...errors(400, 401, 403),
    429: { ...errors(401)[401], description: 'Too many wrong PINs for this extension: locked for a while' },
  },
});

const signOut = createRoute({
  method: 'delete',
  path: '/session',
  tags: ['Personal page'],
  summary: 'Sign out: the session token stops working at once',
  responses: { 204: { description: 'Signed out' }, ...errors(401, 403) },
});

const ExtensionIdParams = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/, 'must be an extension id as the API gave it (16 hex digits)'),
});

const setPin = createRoute({
  method: 'put',
  path: '/{id}/pin',
  tags: ['Extensions'],
  summary: 'Set the PIN its person signs in with on the personal page (stored hashed, never shown)',
  request: {
    params: ExtensionIdParams,
    body: { required: true, content: { 'application/json': { schema: z.strictObject({ pin: PinSchema }) } } },
  },
  responses: { 204: { description: 'Set' }, ...errors(400, 401, 403, 404) },
});

const removePin = createRoute({
  method: 'delete',
  path: '/{id}/pin',
  tags: ['Extensions'],
  summary: 'Remove the PIN: nobody can sign in with the extension any more',
  request: { params: ExtensionIdParams },
  responses: { 204: { description: 'Removed' }, ...errors(400, 401, 403, 404) },
});

/** POST /api/v1/self/sign-in: the one route under /api/v1 without a token (mounted before the token check). */
export function selfSignInRoutes(deps: { selfSignIn: SelfSignIn }) {
  const router = apiRouter();
  router.use(
    '/sign-in',
    bodyLimit({
      maxSize: 1024,
      onError: () => {
        throw new AppError(413, 'body_too_large', 'The request body is larger than 1 KiB');
      },
    }),
  );
  return router.openapi(signIn, async (c) => {
    const { extension, pin } = c.req.valid('json');
    return c.json(await deps.selfSignIn.signIn(extension, pin), 200);
  });
}

/** /api/v1/self: what a self session may do, always on its own entry (the token's entryId). */
export function selfRoutes(deps: {
  entries: DirectoryEntryStore;
  tokens: TokenStore;
  selfService: { signIn: Pick<SelfSignIn, 'changePin'> };
}) {
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('absence:self'));
  const ownEntryId = (principal: AuthEnv['Variables']['principal']) => {
    if (!principal.entryId) throw new AppError(403, 'forbidden', 'This session is not for a directory entry');
    return principal.entryId;
  };
  return router
    .openapi(me, async (c) => {
      const principal = c.get('principal');
      const entry = await deps.entries.get(ownEntryId(principal));
      if (!entry) throw new AppError(404, 'entry_not_found', 'The directory entry of this session no longer exists');
      return c.json({ entry: entryView(entry), expiresAt: principal.expiresAt! }, 200);
    })
    .openapi(setOwnAbsence, async (c) => {
      const principal = c.get('principal');
      return c.json(
        entryView(await deps.entries.setAbsence(ownEntryId(principal), c.req.valid('json'), principal)),
        200,
      );
    })
    .openapi(clearOwnAbsence, async (c) => {
      const principal = c.get('principal');
      return c.json(entryView(await deps.entries.setAbsence(ownEntryId(principal), null, principal)), 200);
    })
    .openapi(changeOwnPin, async (c) => {
      const { currentPin, newPin } = c.req.valid('json');
      await deps.selfService.signIn.changePin(c.get('principal'), currentPin, newPin);
      return c.body(null, 204);
    })
    .openapi(signOut, async (c) => {
      await deps.tokens.endSession(bearerToken(c.req.header('authorization')));
      return c.body(null, 204);
    });
}

/** /api/v1/extensions/{id}/pin: IT staff (admins of the extension's municipality) set or remove the PIN. */
export function extensionPinRoutes(deps: { extensions: ExtensionStore; pins: ExtensionPins }) {
  const router = apiRouter<AuthEnv>();
  // Only on these paths: the router shares /extensions with the extension resource's own routes.
  router.use('/:id/pin', requirePermission('admin:write'));
  async function extensionInScope(id: string, principal: AuthEnv['Variables']['principal']) {
    const extension = await deps.extensions.get(id);
    if (!extension) throw new AppError(404, 'extension_not_found', `No extension has the id ${id}`);
    assertInScope(principal, extension.doc.municipalityId);
    return { id, municipalityId: extension.doc.municipalityId };
  }
  return router
    .openapi(setPin, async (c) => {
      const extension = await extensionInScope(c.req.valid('param').id, c.get('principal'));
      await deps.pins.set(extension, c.req.valid('json').pin, c.get('principal'));
      return c.body(null, 204);
    })
    .openapi(removePin, async (c) => {
      const extension = await extensionInScope(c.req.valid('param').id, c.get('principal'));
      await deps.pins.remove(extension, c.get('principal'));
      return c.body(null, 204);
    });
}
