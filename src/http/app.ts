import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { extensionCsvTransfer } from '../admin/extension-csv.js';
import { AppError } from '../errors.js';
import type { Drain } from '../drain.js';
import type { AriConnection } from '../media/ari-connection.js';
import type { NodeLiveness } from '../media/nodes/node-liveness.js';
import type { ReplicaAcks } from '../store/replica-ack.js';
import type { Services } from '../services.js';
import { apiDocsRoutes } from './api-docs.js';
import { type AuthEnv, requireToken } from './auth.js';
import { handleError, notFound } from './errors.js';
import { apiRouter, errors } from './openapi.js';

const MAX_BODY_BYTES = 1024 * 1024;
import { adminResourceRoutes } from './routes/admin-resource.js';
import { auditRoutes } from './routes/audit.js';
import { callControlRoutes, parkRoutes } from './routes/call-control.js';
import { callbackRoutes, scheduledCallbackRoutes } from './routes/callbacks.js';
import { callRoutes } from './routes/calls.js';
import { municipalityRoutes } from './routes/municipalities.js';
import { csvTransferRoutes } from './routes/csv-transfer.js';
import { dialPolicyApi } from './routes/dial-policies.js';
import { directoryRoutes } from './routes/directory.js';
import { extensionApi } from './routes/extensions.js';
import { greetingApi } from './routes/greetings.js';
import { healthRoutes } from './routes/health.js';
import { httpMetrics, metricsRoutes } from './routes/metrics.js';
import { messageRoutes } from './routes/messages.js';
import { numberApi } from './routes/numbers.js';
import { openingExceptionApi, openingHoursApi } from './routes/opening-hours.js';
import { eventRoutes } from './routes/events.js';
import { operatorRoutes } from './routes/operator.js';
import { operatorAccountApi } from './routes/operator-accounts.js';
import { queuePolicyApi } from './routes/queue-policies.js';
import { queueRoutes } from './routes/queues.js';
import { routingRoutes } from './routes/routing.js';
import { spokenTextRoutes } from './routes/spoken.js';
import { extensionPinRoutes, selfRoutes, selfSignInRoutes } from './routes/self.js';
import { statisticsRoutes } from './routes/statistics.js';
import { tokenRoutes } from './routes/tokens.js';
import { webConsoleRoutes } from './web-console.js';
import type { SipEdge } from '../sip-edge/edge.js';

/**
 * What the API serves from: the switchboard's services (services.ts), and what only the running
 * process has: Asterisk's connection, the media nodes' beats, the replicas and the SIP edge.
 */
export type HttpDeps = Services & {
  ari: AriConnection;
  /** The region's media nodes and whether they beat, for /health (media/nodes/node-liveness.ts); none in the HTTP tests. */
  mediaNodes?: Pick<NodeLiveness, 'nodes'> | undefined;
  /** Whether Redis replicas confirm changes, for /health (store/replica-ack.ts), when changes wait for them. */
  replicas?: Pick<ReplicaAcks, 'state'> | undefined;
  /** The SIP edge's connection and media nodes for /health, when one runs (sip-edge/edge.ts). */
  sipEdge?: Pick<SipEdge, 'state'> | undefined;
  /** Whether this instance drains (drain.ts), for /health/ready. */
  drain?: Pick<Drain, 'isDraining'> | undefined;
};

/**
 * The admin and operator HTTP API. /health, the OpenAPI document (/api/openapi.json) and its
 * reference page (/api/docs) are open; everything under /api/v1 needs a token.
 */
export function createHttpApp(deps: HttpDeps) {
  const api = apiRouter<AuthEnv>();
  // Refused before it is read in full: no admin or operator request needs more than this.
  api.use(
    // CSV imports have their own, larger limit (routes/csv-transfer.ts).
    except(
      (c) => c.req.path.endsWith('/import'),
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new AppError(413, 'body_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
        },
      }),
    ),
  );
  api.use(requireToken(deps.tokens));
  api
    .route('/queues', queueRoutes(deps))
    .route('/calls', callRoutes(deps))
    // Call control runs on the call's media node (media/nodes/), whichever instance the request reached.
    .route(
      '/calls',
      callControlRoutes({
        callControl: deps.nodes.control,
        directory: deps.directory,
        queue: deps.queue,
        greetings: deps.admin.greetings,
      }),
    )
    .route(
      '/calls',
      callbackRoutes({
        callbacks: deps.callControl.callbacks,
        directory: deps.directory,
        releaseCaller: deps.nodes.control.releaseBookedCaller,
      }),
    )
    .route('/callbacks', scheduledCallbackRoutes({ callbacks: deps.callControl.callbacks, directory: deps.directory }))
    .route('/parks', parkRoutes({ control: deps.callControl.control, directory: deps.directory }))
    .route('/messages', messageRoutes({ messages: deps.callControl.messages, delivery: deps.messageDelivery }))
    .route('/operator', operatorRoutes(deps))
    .route('/events', eventRoutes())
    .route('/tokens', tokenRoutes(deps))
    .route('/audit', auditRoutes(deps))
    .route('/directory', directoryRoutes(deps))
    .route('/self', selfRoutes(deps))
    .route('/municipalities', municipalityRoutes(deps))
    .route('/statistics', statisticsRoutes(deps))
    .route('/routing', routingRoutes(deps))
    // The CSV routes first: /extensions/export would otherwise be read as an extension's id.
    .route('/extensions', csvTransferRoutes('Extensions', extensionCsvTransfer(deps.admin.extensions)))
    .route('/extensions', extensionPinRoutes({ extensions: deps.admin.extensions, pins: deps.selfService.pins }))
    .route('/extensions', adminResourceRoutes({ ...extensionApi, store: deps.admin.extensions }))
    .route('/numbers', adminResourceRoutes({ ...numberApi, store: deps.admin.numbers }))
    .route('/opening-hours', adminResourceRoutes({ ...openingHoursApi, store: deps.admin.openingHours }))
    .route(
      '/opening-hours-exceptions',
      adminResourceRoutes({ ...openingExceptionApi, store: deps.admin.openingExceptions }),
    )
    .route('/greetings', adminResourceRoutes({ ...greetingApi, store: deps.admin.greetings }))
    .route('/operator-accounts', adminResourceRoutes({ ...operatorAccountApi, store: deps.admin.operatorAccounts }))
    .route('/queue-policies', adminResourceRoutes({ ...queuePolicyApi, store: deps.admin.queuePolicies }))
    .route('/dial-policies', adminResourceRoutes({ ...dialPolicyApi, store: deps.admin.dialPolicies }));

  const app = apiRouter();
  // First, so that it times and counts every request, answered by any route or by an error.
  if (deps.metrics.instrument) app.use(httpMetrics(deps.metrics));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (vaxel token create)',
  });
  app
    .route('/', healthRoutes(deps))
    .route('/', metricsRoutes(deps))
    // Before the API's token check: signing in is how a person on the personal page gets one.
    .route('/api/v1/self', selfSignInRoutes({ selfSignIn: deps.selfService.signIn }))
    .route('/api/v1', api)
    .route('/', apiDocsRoutes())
    .route('/', webConsoleRoutes({ softphoneWsUrl: deps.softphones.wsUrl }))
    .route('/', spokenTextRoutes(deps.spokenTexts));
  const document = withCommonErrors(
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Regionväxeln',
        version: '1',
        description: 'Operator and admin API of Umeåregionen’s shared switchboard',
      },
      security: [{ bearer: [] }],
    }),
  );
  app.get('/api/openapi.json', (c) => c.json(document));
  app.onError(handleError);
  app.notFound(notFound);
  return app;
}

type OpenApiDocument = ReturnType<ReturnType<typeof apiRouter>['getOpenAPI31Document']>;

/**
 * The answers any /api/v1 operation may give whatever it does, added to each once rather than
 * written into every route: 503 when Redis (or Asterisk) is out of reach, and for a request with
 * a body, 413 when it is too large and 415 when it is not the declared content type.
 */
function withCommonErrors(document: OpenApiDocument): OpenApiDocument {
  const common = errors(503);
  const withBody = {
    413: { description: 'The request body is too large', content: common[503].content },
    415: { description: 'The request body is not of the declared content type', content: common[503].content },
  };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      operation.responses = { ...operation.responses, ...common, ...(operation.requestBody ? withBody : {}) };
    }
  }
  return document;
}
