import { globalAgent } from 'node:http';
import ari, { type Client } from 'ari-client';
import pRetry from 'p-retry';
import { AppError } from '../errors.js';
import { log } from '../log.js';

/**
 * ari-client makes its REST requests through Node's global HTTP agent. Capped, a slow Asterisk
 * makes requests wait here (bounded by ariRequest's timeouts) instead of opening ever more
 * sessions until Asterisk refuses them (LAB.md: "HTTP session count exceeded").
 */
const ARI_MAX_SOCKETS = 64;

/** How often Redis and Asterisk are reconciled while connected, unless AriSettings says otherwise. */
export const DEFAULT_RECONCILE_EVERY_SECONDS = 30;

export interface AriSettings {
  url: string;
  username: string;
  password: string;
  app: string;
  /**
   * Reconcile every this many seconds while connected (default 30). It is also how long a
   * mismatch must last before a periodic run repairs it (media/call-flow.ts): keep it well above
   * the longest change in flight (an ending prompt, a few seconds).
   */
  reconcileEverySeconds?: number;
  /**
   * This Asterisk's name among the region's media nodes (MEDIA_NODE_ID), recorded on its calls:
   * with several nodes on one Redis, each instance reconciles only its own node's calls. Default
   * the ARI URL's host:port, unique unless instances reach their Asterisk at the same address.
   */
  mediaNode?: string;
}

export const mediaNodeOf = (settings: Pick<AriSettings, 'url' | 'mediaNode'>): string => settings.mediaNode ?? new URL(settings.url).host;

export interface AriConnection {
  /** The connected client; a 503 for the caller of an API while Asterisk is out of reach. */
  client(): Client;
  isConnected(): boolean;
  close(): void;
}

/**
 * Keeps one ARI connection alive for the life of the process. `attach` is given every new
 * client to register its event handlers; `onConnected` runs after each (re)connection, when
 * events may have been missed and the app must re-read Asterisk's state and reconcile, and
 * every `reconcileEverySeconds` while connected with `{ periodic: true }`, to repair what an
 * ARI step that failed left behind. Runs never overlap: a periodic one is skipped while
 * another runs; one after a reconnection waits for it.
 *
 * ari-client reconnects its websocket by itself but gives up after its backoff
 * (WebSocketMaxRetries); then a whole new client is built, as at start, retrying forever.
 */
export function connectAri(
  settings: AriSettings,
  hooks: { attach(client: Client): void; onConnected(client: Client, run: { periodic: boolean }): Promise<void> },
): Promise<AriConnection> {
  let current: Client | undefined;
  let connected = false;
  let closed = false;
  let reconciling: Promise<void> = Promise.resolve();
  let pending = 0;

  function reconcile(client: Client, periodic = false): Promise<void> {
    if (periodic && pending > 0) return reconciling;
    pending += 1;
    reconciling = reconciling
      .then(() => hooks.onConnected(client, { periodic }))
      .catch((error: unknown) => log.error({ err: error, periodic }, 'reconciling with Asterisk failed'))
      .finally(() => (pending -= 1));
    return reconciling;
  }

  const periodicReconcile = setInterval(() => {
    if (current && connected && !closed) void reconcile(current, true);
  }, (settings.reconcileEverySeconds ?? DEFAULT_RECONCILE_EVERY_SECONDS) * 1000);
  periodicReconcile.unref();

  globalAgent.maxSockets = ARI_MAX_SOCKETS;

  async function establish(): Promise<Client> {
    const client = await pRetry(() => ari.connect(settings.url, settings.username, settings.password), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 200,
      maxTimeout: 5_000,
      shouldRetry: () => !closed,
      onFailedAttempt: ({ error, attemptNumber }) =>
        log.warn({ ari: settings.url, attempt: attemptNumber, reason: error.message }, 'ARI not reachable yet, retrying'),
    });
    hooks.attach(client);
    client.on('WebSocketReconnecting', (error) => {
      connected = false;
      log.warn({ reason: error?.message }, 'ARI websocket lost, reconnecting');
    });
    client.on('WebSocketConnected', () => {
      const again = current === client && !connected;
      connected = true;
      if (again) {
        log.info('ARI websocket back; reconciling calls with Asterisk');
        void reconcile(client);
      }
    });
    client.on('WebSocketMaxRetries', () => {
      connected = false;
      if (closed) return;
      log.error('ARI websocket gave up reconnecting; building a new ARI client');
      detach(client);
      void establish()
        .then((fresh) => reconcile(fresh))
        .catch((error: unknown) => log.error({ err: error }, 'could not rebuild the ARI client'));
    });
    await client.start(settings.app);
    current = client;
    connected = true;
    log.info({ ari: settings.url, app: settings.app }, 'connected to Asterisk ARI');
    return client;
  }

  return establish().then(async (client) => {
    await reconcile(client);
    return {
      client() {
        if (!current || !connected) throw new AppError(503, 'ari_unavailable', 'The media server (Asterisk) cannot be reached right now');
        return current;
      },
      isConnected: () => connected,
      close() {
        closed = true;
        connected = false;
        clearInterval(periodicReconcile);
        if (current) {
          detach(current);
          current.stop();
        }
      },
    };
  });
}

/** ari-client's typings only allow removing listeners per event; its client is a plain EventEmitter. */
function detach(client: Client): void {
  (client as unknown as NodeJS.EventEmitter).removeAllListeners();
}
