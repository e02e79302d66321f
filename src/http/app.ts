import { Hono } from 'hono';
import type { TokenStore } from '../auth/token-store.js';
import type { DirectoryStore } from '../directory/directory-store.js';
import type { AriConnection } from '../media/ari-connection.js';
import type { OperatorLegSettings } from '../media/operator-leg.js';
import type { OperatorStore } from '../operators/operator-store.js';
import type { CallQueue } from '../queue/call-queue.js';
import type { RedisClient } from '../store/redis-client.js';
import { type AuthEnv, requireToken } from './auth.js';
import { handleError, notFound } from './errors.js';
import { callRoutes } from './routes/calls.js';
import { healthRoutes } from './routes/health.js';
import { operatorRoutes } from './routes/operator.js';
import { queueRoutes } from './routes/queues.js';

export interface HttpDeps {
  redis: RedisClient;
  ari: AriConnection;
  queue: CallQueue;
  operators: OperatorStore;
  directory: DirectoryStore;
  tokens: TokenStore;
  leg: OperatorLegSettings;
}

/** The admin and operator HTTP API. Only /health is open; everything under /api needs a token. */
export function createHttpApp(deps: HttpDeps) {
  const api = new Hono<AuthEnv>()
    .use(requireToken(deps.tokens))
    .route('/queues', queueRoutes(deps))
    .route('/calls', callRoutes(deps))
    .route('/operator', operatorRoutes(deps));

  const app = new Hono().route('/', healthRoutes(deps)).route('/api/v1', api);
  app.onError(handleError);
  app.notFound(notFound);
  return app;
}
