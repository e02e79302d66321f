import { createRoute } from '@hono/zod-openapi';
import { DateTime } from 'luxon';
import type { AdminStores } from '../../admin/index.js';
import { PhoneNumberSchema } from '../../admin/fields.js';
import { assertInScope } from '../../auth/access.js';
import { QUEUE_REASONS, type QueueReason } from '../../calls/call-record.js';
import type { RegionConfig } from '../../config/region-schema.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { OPENING_RULES, type OpeningState, createOpeningStateReader } from '../../hours/opening-state.js';
import { ZONE } from '../../hours/swedish-calendar.js';
import {
  closedPrompts,
  menuChoicePrompts,
  promptTexts,
  queueGreetingPrompt,
} from '../../media/arrival/caller-prompts.js';
import { menuOrder } from '../../media/arrival/regional-menu.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import { type DirectNumberOwner, routeCall } from '../../routing/route-call.js';
import { type AuthEnv, requirePermission } from '../auth.js';
import { apiRouter, errors, jsonResponse } from '../openapi.js';
import { z } from '../../validation/schema.js';

/**
 * /api/v1/routing/simulate: what a call to a number at a moment would meet, decided by the very
 * code a real call goes through (routing/route-call.ts with the directory, then the opening
 * state, hours/opening-state.ts), so that IT staff can check holidays and exceptions ahead;
 * and what the caller would hear: the shipped prompts and stored texts the call flow plays (media/arrival/caller-prompts.ts).
 */

const OpeningStateSchema = z
  .object({
    open: z.boolean(),
    rule: z.enum(OPENING_RULES).openapi({
      description:
        'What decided, in this order of precedence: the manual override, a one-off exception, a public holiday or closed eve, a day before a holiday with early closing, the weekly hours (outside-hours: the instant is outside them)',
    }),
    why: z.string().openapi({ example: 'juldagen is a public holiday' }),
    holiday: z.string().optional().openapi({
      description: 'The holiday or eve; for pre-holiday the day itself (skärtorsdagen)',
      example: 'juldagen',
    }),
    before: z
      .string()
      .optional()
      .openapi({ description: 'For pre-holiday: the holiday the day comes before', example: 'långfredagen' }),
    override: z.object({ state: z.enum(['open', 'closed']), until: z.string() }).optional(),
    exception: z
      .object({
        id: z.string(),
        kind: z.enum(['closed', 'open', 'reduced']),
        reason: z.string(),
        start: z.string(),
        end: z.string(),
      })
      .optional(),
    hours: z
      .array(z.string())
      .optional()
      .openapi({
        description: 'The day’s open intervals under the deciding rule (local time)',
        example: ['08:00-16:30'],
      }),
    changesAt: z.string().optional().openapi({
      description: 'When open turns closed or back next (local time with offset); absent beyond 14 days',
      example: '2026-12-28T08:00:00+01:00',
    }),
  })
  .openapi('OpeningState') satisfies z.ZodType<OpeningState>;

/** How the simulator names a stored closed message among the prompts. */
const CLOSED_MESSAGE = 'closed-message';

const PromptSchema = z
  .object({
    prompt: z.string().openapi({
      description: `The prompt played (sound:regionvaxel/<prompt>), or ${CLOSED_MESSAGE}: the municipality's stored closed message (/greetings), spoken (the shipped closed prompt instead should it fail)`,
      example: 'closed-holiday',
    }),
    text: z.string().nullable().openapi({
      description:
        'What it says (dialplans/prompts/sv.txt, or the stored text); null when no such prompt is shipped, and the caller hears nothing there',
      example: 'Idag är det helgdag och växeln är stängd.',
    }),
  })
  .openapi('HeardPrompt');

const SimulationSchema = z
  .object({
    number: z.string().openapi({ description: 'The number called, E.164', example: '+4693514100' }),
    numberShown: z.string().openapi({ example: '0935-141 00' }),
    at: z.string().openapi({
      description: 'The moment simulated, in local time (Europe/Stockholm) with its offset',
      example: '2026-12-25T10:00:00+01:00',
    }),
    meets: z.enum(['queue', 'closed-message', 'menu', 'extension', 'rejected']).openapi({
      description:
        "queue: waits in the municipality's queue; closed-message: hears that it is closed (`prompts`), then the call ends; menu: the regional number's menu (choose a municipality), `municipality` being where no choice leads; extension: rings the extension the direct number is given to, `opening` telling what an unanswered call meets; rejected: not a number of the region, refused at once (SIP 404)",
    }),
    municipality: z.object({ id: z.string(), name: z.string() }).optional(),
    extension: z.string().optional().openapi({ description: 'For extension: the extension rung', example: '2460123' }),
    routeReason: z
      .enum(QUEUE_REASONS)
      .optional()
      .openapi({ description: 'Why the number leads to that municipality (the reason the operator sees)' }),
    opening: OpeningStateSchema.optional(),
    menu: z.array(PromptSchema).optional().openapi({
      description:
        'For menu: the menu as the caller first hears it, the welcome and then "För <kommun>, tryck <siffra>" per member; no or a wrong choice twice leads to `municipality`',
    }),
    prompts: z.array(PromptSchema).optional().openapi({
      description:
        'What the caller hears at the municipality (for extension: if not answered). Closed: the municipality’s stored closed message, else that the switchboard is closed (on a public holiday or closed eve, that it is a holiday); then where to turn, and the call ends. Open: the queue’s greeting, then music, and every `announceEverySeconds` of the queue policy their position and the next of the stored queue announcements',
    }),
    explanation: z.string().openapi({
      example:
        '0935-141 00 is the main number of Vännäs. Vännäs is closed (juldagen is a public holiday): the caller hears that it is closed, then the call ends.',
    }),
  })
  .openapi('RoutingSimulation');

const simulate = createRoute({
  method: 'get',
  path: '/simulate',
  tags: ['Routing'],
  summary:
    'What a call to a number at a moment would meet (queue, closed message, menu, extension or rejection), what the caller hears, and why',
  request: {
    query: z
      .object({
        number: PhoneNumberSchema.openapi({
          description: 'The number called, any Swedish notation (encode + as %2B)',
          example: '0935-141 00',
        }),
        at: z.iso
          .datetime({
            offset: true,
            error:
              'must be an ISO 8601 date-time with its UTC offset, e.g. 2026-12-25T10:00:00+01:00 (encode + as %2B)',
          })
          .optional()
          .openapi({
            description: 'The moment, with its UTC offset; default now',
            example: '2026-12-25T10:00:00+01:00',
          }),
      })
      .strict(),
  },
  responses: { 200: jsonResponse('What the call would meet', SimulationSchema), ...errors(400, 401, 403) },
});

const ROUTE_REASONS: Partial<Record<QueueReason, string>> = {
  'main-number': 'the main number',
  'unassigned-direct-number': 'a direct-dial number without an extension',
};

export interface RoutingDeps {
  directory: DirectoryStore;
  /** The regional menu's order. */
  region: RegionConfig;
  /** The hours, and the stored closed message (greetings) the caller hears instead of the shipped prompt. */
  admin: Pick<AdminStores, 'openingHours' | 'openingExceptions' | 'greetings'>;
  /** Who a direct number is given to, as the call flow asks it; without it every direct number goes to the queue. */
  directNumberOwner?: DirectNumberOwner | undefined;
}

export function routingRoutes(deps: RoutingDeps) {
  const hours = createOpeningStateReader(deps.admin);
  const router = apiRouter<AuthEnv>();
  router.use(requirePermission('directory:read'));
  return router.openapi(simulate, async (c) => {
    const query = c.req.valid('query');
    const at = query.at === undefined ? new Date() : new Date(query.at);
    const number = query.number;
    const shown = {
      number,
      numberShown: formatForDisplay(number),
      at: DateTime.fromJSDate(at, { zone: ZONE }).toISO({ suppressMilliseconds: true })!,
    };
    const route = await routeCall(number, deps.directory.findRoute, deps.directNumberOwner);
    if (route.action === 'reject') {
      return c.json(
        {
          ...shown,
          meets: 'rejected' as const,
          explanation: `${shown.numberShown} is not a number of the region (${route.detail}): the call is refused at once (SIP 404).`,
        },
        200,
      );
    }
    const { municipalityId } = route;
    // A municipality admin sees only their own municipality's hours and exceptions.
    assertInScope(c.get('principal'), municipalityId);
    const [municipality, opening, texts, stored] = await Promise.all([
      deps.directory.getMunicipality(municipalityId),
      hours.openingStateAt(municipalityId, at),
      promptTexts(),
      deps.admin.greetings.get(municipalityId),
    ]);
    const heard = (prompts: string[]) => prompts.map((prompt) => ({ prompt, text: texts.get(prompt) ?? null }));
    // As media/arrival/ plays it: the stored message instead of the shipped closed prompt, then the alternatives.
    const closed = closedPrompts(opening, stored?.doc);
    const closedHeard = [
      ...(closed.spoken ? [{ prompt: CLOSED_MESSAGE, text: closed.spoken.text }] : heard(closed.otherwise)),
      ...heard(closed.then),
    ];
    const name = municipality?.name ?? municipalityId;
    const state = opening.open ? `${name} is open (${opening.why})` : `${name} is closed (${opening.why})`;
    const queueOrClosed = opening.open ? 'waits in its queue' : 'hears that it is closed, then the call ends';
    const prompts = opening.open ? heard([queueGreetingPrompt(municipalityId)]) : closedHeard;
    const common = { ...shown, municipality: { id: municipalityId, name }, opening, prompts };
    switch (route.action) {
      case 'queue': {
        const explanation = `${shown.numberShown} is ${ROUTE_REASONS[route.reason] ?? route.reason} of ${name}. ${state}: the call ${queueOrClosed}.`;
        return c.json(
          {
            ...common,
            meets: opening.open ? ('queue' as const) : ('closed-message' as const),
            routeReason: route.reason,
            explanation,
          },
          200,
        );
      }
      case 'menu': {
        const explanation = `${shown.numberShown} is the regional number: the caller chooses a municipality in the menu; without a choice the call goes to ${name}. ${state}: there the call ${queueOrClosed}.`;
        return c.json(
          {
            ...common,
            meets: 'menu' as const,
            menu: heard(['menu-welcome', ...menuChoicePrompts(menuOrder(deps.region))]),
            explanation,
          },
          200,
        );
      }
      case 'extension': {
        const explanation = `${shown.numberShown} is the direct number of extension ${route.extension} in ${name}: it rings there. If not answered, ${state}: the call ${queueOrClosed}.`;
        return c.json({ ...common, meets: 'extension' as const, extension: route.extension, explanation }, 200);
      }
    }
  });
}
