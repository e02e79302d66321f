import { globalAgent } from 'node:http';
import ari, { type Client } from 'ari-client';
import pRetry from 'p-retry';
import { AppError } from '../errors.js';
import { log } from '../log.js';
import { ariRequest } from './call-media.js';
import './ari-swagger-log.js';

/**
 * ari-client makes its REST requests through Node's global HTTP agent. Capped, a slow Asterisk
 * makes requests wait here (bounded by ariRequest's timeouts) instead of opening ever more
 * sessions until Asterisk refuses them (LAB.md: "HTTP session count exceeded").
 */
const ARI_MAX_SOCKETS = 64;

/** How often Redis and Asterisk are reconciled while connected, unless AriSettings says otherwise. */
export const DEFAULT_RECONCILE_EVERY_SECONDS = 30;
/** Connecting (ari-client reads Asterisk's API description, then opens the websocket) gives up after this and tries again. */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Asterisk is asked if it answers this often while the websocket is up (one question at a
 * time): a hung Asterisk keeps its socket open and says nothing, and must count as down (health,
 * the node's heartbeat) rather than be waited on...
 */
const PING_EVERY_MS = 1_000;
const PING_TIMEOUT_MS = 5_000;
/** ...once it has not answered for this long: an Asterisk slow under load is not a dead one. */
const SILENT_MS = 10_000;

export interface AriSettings {
  url: string;
  username: string;
  password: string;
  app: string;
  /**
   * Reconcile every this many seconds while connected (default 30). It is also how long a
   * mismatch must last before a periodic run repairs it (media/reconcile/plan.ts): keep it well above
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

export const mediaNodeOf = (settings: Pick<AriSettings, 'url' | 'mediaNode'>): string =>
  settings.mediaNode ?? new URL(settings.url).host;

export interface AriConnection {
  /** The connected client; a 503 for the caller of an API while Asterisk is out of reach. */
  client(): Client;
  /** The websocket is up and Asterisk has answered a ping within the last 10 s. */
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
 * (WebSocketMaxRetries); then a whole new client is built, as at start, retrying forever. No
 * step waits on Asterisk for ever: connecting is bounded (CONNECT_TIMEOUT_MS, then again), and
 * a ping every second tells a hung Asterisk (socket open, nothing answers) from a live one; an
 * Asterisk answering again after such a silence is reconciled as after a reconnection.
 */
export function connectAri(
  settings: AriSettings,
  hooks: { attach(client: Client): void; onConnected(client: Client, run: { periodic: boolean }): Promise<void> },
): Promise<AriConnection> {
  let current: Client | undefined;
  let connected = false;
  /** Asterisk answered a ping within SILENT_MS (or none has been asked since the websocket came up). */
  let answering = true;
  let lastAnswer = Date.now();
  let pinging = false;
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

  const periodicReconcile = setInterval(
    () => {
      if (current && connected && answering && !closed) void reconcile(current, true);
    },
    (settings.reconcileEverySeconds ?? DEFAULT_RECONCILE_EVERY_SECONDS) * 1000,
  );
  periodicReconcile.unref();

  const ping = setInterval(() => {
    const client = current;
    if (!client || !connected || closed || pinging) return;
    pinging = true;
    // asterisk/info, not asterisk/ping: ari-client 2.2.0 sends the latter without its credentials.
    ariRequest('ping', client.asterisk.getInfo({ only: 'status' }), PING_TIMEOUT_MS)
      .then(
        () => {
          lastAnswer = Date.now();
          if (answering || current !== client) return;
          answering = true;
          log.info({ ari: settings.url }, 'Asterisk answers again; reconciling calls with Asterisk');
          void reconcile(client);
        },
        (error: unknown) => {
          if (!answering || current !== client || !connected || Date.now() - lastAnswer < SILENT_MS) return;
          answering = false;
          log.error(
            { ari: settings.url, reason: (error as Error).message },
            'Asterisk has not answered for 10 s although its websocket is open; the media node counts as down',
          );
        },
      )
      .finally(() => (pinging = false));
  }, PING_EVERY_MS);
  ping.unref();

  globalAgent.maxSockets = ARI_MAX_SOCKETS;

  async function establish(): Promise<Client> {
    return pRetry(() => attempt(), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 200,
      maxTimeout: 5_000,
      shouldRetry: () => !closed,
      onFailedAttempt: ({ error, attemptNumber }) =>
        log.warn(
          { ari: settings.url, attempt: attemptNumber, reason: error.message },
          'ARI not reachable yet, retrying',
        ),
    });
  }

  async function attempt(): Promise<Client> {
    const client = await ariRequest(
      'connect',
      ari.connect(settings.url, settings.username, settings.password),
      CONNECT_TIMEOUT_MS,
    );
    hooks.attach(client);
    client.on('WebSocketReconnecting', (error) => {
      connected = false;
      log.warn({ reason: error?.message }, 'ARI websocket lost, reconnecting');
    });
    client.on('WebSocketConnected', () => {
      const again = current === client && !connected;
      connected = true;
      answering = true;
      lastAnswer = Date.now();
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
    try {
      await ariRequest('open the event websocket', client.start(settings.app), CONNECT_TIMEOUT_MS);
    } catch (error) {
      detach(client);
      client.stop();
      throw error;
    }
    current = client;
    connected = true;
    answering = true;
    lastAnswer = Date.now();
    log.info({ ari: settings.url, app: settings.app }, 'connected to Asterisk ARI');
    return client;
  }

  return establish().then(async (client) => {
    await reconcile(client);
    return {
      client() {
        if (!current || !connected || !answering)
          throw new AppError(503, 'ari_unavailable', 'The media server (Asterisk) cannot be reached right now');
        return current;
      },
      isConnected: () => connected && answering,
      close() {
        closed = true;
        connected = false;
        clearInterval(periodicReconcile);
        clearInterval(ping);
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
