import { createRoute } from '@hono/zod-openapi';
import { assertInScope, assertPermission, scopedMunicipality } from '../../auth/access.js';
import type { MessageDelivery } from '../../calls/messages/message-delivery.js';
import { type Message, type MessageStore, DELIVERY_STATES, messageFields } from '../../calls/messages/message-store.js';
import { phoneNumber } from '../../config/region-schema.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import { AppError } from '../../errors.js';
import { log } from '../../log.js';
import type { AuthEnv } from '../auth.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { MunicipalityIdSchema, pageLimit, z } from '../../validation/schema.js';

const extension = z.string().regex(/^\d{2,8}$/, 'must be an extension number of 2 to 8 digits');
const entryId = z.string().min(1).max(100);

const DeliverySchema = z.object({
  state: z.enum(DELIVERY_STATES),
  attempts: z.number().int(),
  lastError: z.string().optional(),
  sentAt: z.string().optional(),
});

const MessageSchema = z
  .object({
    ...messageFields,
    callerNumberDisplay: z
      .string()
      .optional()
      .openapi({ description: 'callerNumber in national format, for people', example: '070-123 45 67' }),
    createdAt: z.string(),
    handledAt: z.string().optional(),
    delivery: DeliverySchema.optional().openapi({
      description:
        'The e-mail to the person, when e-mail delivery is on: pending, sent, failed (tried again with backoff) or no-address (only the console has it)',
    }),
    smsDelivery: DeliverySchema.optional().openapi({
      description:
        'The SMS to the person’s first mobile number, when an SMS gateway is on: the same states (no-address: no mobile number)',
    }),
  })
  .openapi('Message');
/** A message as the API shows it (the web console lists them). */
export type MessageView = z.infer<typeof MessageSchema>;

const NewMessageSchema = z
  .object({
    entryId: entryId.optional().openapi({ description: 'The directory entry of the person' }),
    extension: extension.optional().openapi({ description: 'Or their extension' }),
    callerName: z.string().trim().max(200).optional(),
    callerNumber: phoneNumber.optional().openapi({ type: 'string', example: '070-123 45 67' }),
    text: z.string().trim().min(1, 'must not be empty').max(2000),
    callId: z.string().min(1).max(100).optional().openapi({ description: 'The call the message was taken on' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.entryId === undefined) === (body.extension === undefined))
      ctx.addIssue({ code: 'custom', path: ['entryId'], message: 'give either entryId or extension (one of them)' });
  })
  .openapi('NewMessage');

const create = createRoute({
  method: 'post',
  path: '/',
  tags: ['Messages'],
  summary: 'Take a message for an absent person',
  request: { body: { required: true, content: { 'application/json': { schema: NewMessageSchema } } } },
  responses: { 201: jsonResponse('The message', MessageSchema), ...errors(400, 401, 403, 404) },
});
const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Messages'],
  summary: 'Messages of one person (entryId or extension) or one municipality, newest first',
  request: {
    query: z
      .object({
        municipality: MunicipalityIdSchema.optional(),
        entryId: entryId.optional(),
        extension: extension.optional(),
        handled: z.enum(['true', 'false']).optional(),
        limit: pageLimit(100),
      })
      .strict()
      .superRefine((q, ctx) => {
        if (!q.municipality && !q.entryId && !q.extension)
          ctx.addIssue({ code: 'custom', path: ['municipality'], message: 'give municipality, entryId or extension' });
      }),
  },
  responses: {
    200: jsonResponse('Messages', z.object({ messages: z.array(MessageSchema) })),
    ...errors(400, 401, 403, 404),
  },
});
const handled = createRoute({
  method: 'post',
  path: '/{id}/handled',
  tags: ['Messages'],
  summary: 'Mark a message handled',
  request: { params: z.object({ id: z.string().min(1).max(100) }) },
  responses: { 200: jsonResponse('The message', MessageSchema), ...errors(400, 401, 403, 404) },
});

const recording = createRoute({
  method: 'get',
  path: '/{id}/recording',
  tags: ['Messages'],
  summary: 'The recording of a voice message (8 kHz mono WAV), for the console to play',
  description: 'Read as the message is (calls:read in its municipality). 404 when the message has no recording.',
  request: { params: z.object({ id: z.string().min(1).max(100) }) },
  responses: {
    200: { description: 'The audio', content: { 'audio/wav': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errors(400, 401, 403, 404),
  },
});

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const view = (m: Message) => ({
  ...m,
  callerNumberDisplay: m.callerNumber && formatForDisplay(m.callerNumber),
  createdAt: iso(m.createdAt)!,
  handledAt: iso(m.handledAt),
  delivery: m.delivery && { ...m.delivery, sentAt: iso(m.delivery.sentAt) },
  smsDelivery: m.smsDelivery && { ...m.smsDelivery, sentAt: iso(m.smsDelivery.sentAt) },
});

/** Messages for absent people: operators take and handle them; each belongs to its person's municipality. */
export function messageRoutes(deps: { messages: MessageStore; delivery?: Pick<MessageDelivery, 'kick'> | undefined }) {
  const router = apiRouter<AuthEnv>();
  return router
    .openapi(create, async (c) => {
      const principal = c.get('principal');
      assertPermission(principal, 'calls:control');
      const body = c.req.valid('json');
      const recipient = await deps.messages.recipient(body);
      assertInScope(principal, recipient.municipalityId);
      const message = await deps.messages.create({ ...body, entryId: recipient.entryId }, principal.id);
      log.info({ messageId: message.id, entryId: message.entryId, callId: message.callId }, 'message taken');
      // Sent at once, not at the delivery job's next look.
      if (message.delivery?.state === 'pending' || message.smsDelivery?.state === 'pending') deps.delivery?.kick();
      return c.json(view(message), 201);
    })
    .openapi(list, async (c) => {
      const principal = c.get('principal');
      assertPermission(principal, 'calls:read');
      const query = c.req.valid('query');
      let entry: string | undefined;
      if (query.entryId || query.extension) {
        const recipient = await deps.messages.recipient(query);
        assertInScope(principal, recipient.municipalityId);
        entry = recipient.entryId;
      }
      const municipalityId = scopedMunicipality(principal, query.municipality);
      const messages = await deps.messages.list({
        entryId: entry,
        municipalityId,
        handled: query.handled === undefined ? undefined : query.handled === 'true',
        limit: query.limit,
      });
      return c.json({ messages: messages.map(view) }, 200);
    })
    .openapi(handled, async (c) => {
      const principal = c.get('principal');
      assertPermission(principal, 'calls:control');
      const { id } = c.req.valid('param');
      const existing = await deps.messages.get(id);
      if (!existing) throw new AppError(404, 'message_not_found', `No message has the id ${id}`);
      assertInScope(principal, existing.municipalityId);
      const message = (await deps.messages.markHandled(id, principal.id))!;
      return c.json(view(message), 200);
    })
    .openapi(recording, async (c) => {
      const principal = c.get('principal');
      assertPermission(principal, 'calls:read');
      const { id } = c.req.valid('param');
      const message = await deps.messages.get(id);
      if (!message) throw new AppError(404, 'message_not_found', `No message has the id ${id}`);
      assertInScope(principal, message.municipalityId);
      const wav = await deps.messages.recording(id);
      if (!wav) throw new AppError(404, 'recording_not_found', `Message ${id} has no recording`);
      // Personal data: not kept by the browser's or any proxy's cache.
      return c.body(new Uint8Array(wav), 200, { 'content-type': 'audio/wav', 'cache-control': 'no-store' });
    });
}
