import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorReply } from 'redis';
import { WebSocket, WebSocketServer } from 'ws';
import type { TokenRecord, TokenStore } from '../auth/token-store.js';
import { log } from '../log.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { StreamPositionSchema } from '../store/stream-id.js';
import { type SwitchboardEvent, compareSeq, eventFor, toEvent } from './event-stream.js';

export const EVENTS_PATH = '/api/v1/events';

/** Events read from the stream per command, while catching up and live. */
const BATCH = 500;
/** How long one XREAD waits; between two, the loop notices a closed socket. */
const BLOCK_MS = 5_000;
/** Pings keep proxies from closing a quiet socket and find dead clients; each also re-checks the token. */
const PING_MS = 30_000;
/** A client this far behind is closed (1013, try again later): it resumes with ?since= rather than growing our memory. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Sockets one token may have open at once: a console or two per operator, not a leak or a flood. */
export const DEFAULT_MAX_SOCKETS_PER_TOKEN = 5;
/** Sockets of the whole process: each holds a Redis connection of its own (its blocking XREAD). */
export const DEFAULT_MAX_SOCKETS = 500;
/** setTimeout's longest wait (about 24.8 days); a token may live two years. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How the server closes a socket (code, then a reason in words). A client reconnects with
 * ?since= after any of them, except 4401 (a new token is needed) and, until one of its own
 * sockets closes, 4429.
 */
export const CLOSE_CODES = {
  /** The token was revoked (at once, by the revocation channel) or has expired (at its expiresAt). */
  tokenInvalid: 4401,
  /** The token already has its maximum of sockets open (DEFAULT_MAX_SOCKETS_PER_TOKEN). */
  tooManyForToken: 4429,
  /** Try again later: the process has its maximum of sockets open, or the client is too far behind. */
  tryAgainLater: 1013,
  /** Reading the stream failed. */
  failed: 1011,
} as const;

export interface EventSocketDeps {
  tokens: TokenStore;
  k: Keys;
  /** Reads the stream's state (XINFO, XRANGE) for a new socket. */
  redis: RedisClient;
  /**
   * A new connection: one per socket for its blocking XREAD (a blocked connection can do
   * nothing else), closed with the socket, and one per process subscribed to token revocations.
   */
  connectReader: () => Promise<RedisClient>;
  /** Ping (and token re-check) interval; PING_MS unless a test wants it shorter. */
  pingMs?: number;
  /** Sockets per token (DEFAULT_MAX_SOCKETS_PER_TOKEN) and in all (DEFAULT_MAX_SOCKETS); more are closed at once with 4429 and 1013. */
  maxSocketsPerToken?: number;
  maxSockets?: number;
}

/**
 * GET /api/v1/events as a WebSocket on the app's Node HTTP server: the event stream
 * (events/event-stream.ts) as JSON text messages, one event each, in sequence order, as the
 * token's role and municipality may see them (eventFor: a municipality admin gets its own call
 * events without personal fields).
 *
 * - Token: `Authorization: Bearer <token>`, or `?access_token=<token>` for browsers (which
 *   cannot set headers on a WebSocket). Refused with HTTP 401 before the upgrade.
 * - `?since=<seq>`: first the events after it (exclusive), then live. If events after it may
 *   have been trimmed from the capped stream (or Redis lost them), the first message is
 *   `{"type":"reset","seq":...}`: reload the state over the API and go on from that seq.
 * - After catching up, `{"type":"live","seq":<last seq sent or current end>}`.
 * - Closed by the server with CLOSE_CODES: a revoked token's sockets within a second (revoke
 *   publishes on {p}:token-revocations, to which one connection per process listens), an
 *   expired one's at its expiresAt; sockets over the limits at once. The 30 s ping re-checks
 *   the token too, for a revocation published while the listener was reconnecting.
 *
 * `ready` resolves once revocations are listened to (a failure is logged: the re-check remains).
 */
export function attachEventSocket(
  server: Server,
  deps: EventSocketDeps,
): { ready: Promise<void>; close(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = socketRegistry({
    perToken: deps.maxSocketsPerToken ?? DEFAULT_MAX_SOCKETS_PER_TOKEN,
    total: deps.maxSockets ?? DEFAULT_MAX_SOCKETS,
  });
  const subscriber = deps.connectReader().then(async (client) => {
    await client.subscribe(deps.k.tokenRevocations(), (tokenId) =>
      sockets.closeAll(tokenId, CLOSE_CODES.tokenInvalid, 'token revoked'),
    );
    return client;
  });
  const ready = subscriber.then(
    () => undefined,
    (error: unknown) =>
      log.warn(
        { err: error },
        'events: cannot listen to token revocations; revoked tokens are found by the 30 s re-check',
      ),
  );

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== EVENTS_PATH) return refuse(socket, 404, 'not_found', `No WebSocket at ${url.pathname}`);
    const since = url.searchParams.get('since');
    // The same check as the route's query schema (http/routes/events.ts), which Hono never runs for an upgrade.
    const sinceProblem = since === null ? undefined : StreamPositionSchema.safeParse(since).error?.issues[0]?.message;
    if (sinceProblem) return refuse(socket, 400, 'invalid_request', `since ${sinceProblem}`, 'query.since');
    const token =
      /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token');
    if (!token)
      return refuse(
        socket,
        401,
        'unauthenticated',
        'Send an API token as "Authorization: Bearer <token>" or ?access_token=',
      );
    deps.tokens.verify(token).then(
      (principal) => {
        if (!principal) return refuse(socket, 401, 'unauthenticated', 'The API token is unknown, revoked or expired');
        wss.handleUpgrade(request, socket, head, (ws) => {
          const refused = sockets.admit(principal.id, ws);
          if (refused) return ws.close(refused.code, refused.reason);
          void stream(ws, deps, { principal, token, since });
        });
      },
      (error: unknown) => {
        log.warn({ err: error }, 'events: could not check a token');
        refuse(socket, 503, 'redis_unavailable', 'The switchboard’s store cannot be reached right now');
      },
    );
  });

  return {
    ready,
    async close() {
      await ready;
      const client = await subscriber.catch(() => undefined);
      if (client?.isOpen) client.destroy();
      await new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      });
    },
  };
}

/** The open sockets by token, within the limits; what is over them is refused with its close code and reason. */
function socketRegistry(limits: { perToken: number; total: number }) {
  const byToken = new Map<string, Set<WebSocket>>();
  let total = 0;
  return {
    /** Counts the socket in (until it closes), or says why it is refused. */
    admit(tokenId: string, ws: WebSocket): { code: number; reason: string } | undefined {
      if (total >= limits.total)
        return {
          code: CLOSE_CODES.tryAgainLater,
          reason: `the switchboard has its ${limits.total} event sockets open: try again later`,
        };
      const own = byToken.get(tokenId) ?? new Set<WebSocket>();
      if (own.size >= limits.perToken)
        return {
          code: CLOSE_CODES.tooManyForToken,
          reason: `this token has ${limits.perToken} event sockets open: close one first`,
        };
      own.add(ws);
      byToken.set(tokenId, own);
      total += 1;
      ws.once('close', () => {
        own.delete(ws);
        total -= 1;
        if (own.size === 0) byToken.delete(tokenId);
      });
      return undefined;
    },
    closeAll(tokenId: string, code: number, reason: string): void {
      for (const ws of byToken.get(tokenId) ?? []) ws.close(code, reason);
    },
  };
}

/** Runs `run` at the instant `at` (ms), however far off: setTimeout waits at most MAX_TIMER_MS at a time. */
function timerAt(at: number, run: () => void): { clear(): void } {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = at - Date.now();
    timer = wait > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(run, Math.max(0, wait));
    timer.unref();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}

/** An HTTP error answer on a socket that asked to upgrade, in the API's JSON error shape. */
function refuse(socket: Duplex, status: number, code: string, message: string, field?: string): void {
  const body = JSON.stringify({
    error: { code, message, ...(field ? { details: [{ field, problem: message }] } : {}) },
  });
  const reason =
    { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The stream's first id and last generated id, and whether entries were ever trimmed. */
async function streamBounds(
  redis: RedisClient,
  key: string,
): Promise<{ first?: string; last: string; trimmed: boolean }> {
  try {
    const info = await redis.xInfoStream(key);
    return {
      first: info['first-entry']?.id,
      last: String(info['last-generated-id']),
      trimmed: Number(info['entries-added']) > Number(info.length),
    };
  } catch (error) {
    if (error instanceof ErrorReply && /no such key/i.test(error.message)) return { last: '0-0', trimmed: false };
    throw error;
  }
}

async function stream(
  ws: WebSocket,
  deps: EventSocketDeps,
  { principal, token, since }: { principal: TokenRecord; token: string; since: string | null },
) {
  const key = deps.k.events();
  const socketLog = log.child({ component: 'events', tokenId: principal.id, role: principal.role });
  let reader: RedisClient | undefined;
  let open = true;
  const expiry =
    principal.expiresAt === undefined
      ? undefined
      : timerAt(Date.parse(principal.expiresAt), () => ws.close(CLOSE_CODES.tokenInvalid, 'token expired'));
  const closed = () => {
    open = false;
    clearInterval(ping);
    expiry?.clear();
    // Closing the reader also ends an XREAD blocked on it.
    if (reader?.isOpen) reader.destroy();
  };
  ws.on('close', closed);
  ws.on('error', (error) => socketLog.debug({ err: error }, 'events socket error'));
  const recheck = () =>
    void deps.tokens.verify(token).then(
      (still) => (still ? undefined : ws.close(CLOSE_CODES.tokenInvalid, 'token revoked or expired')),
      () => undefined,
    );
  // A revocation published between the upgrade's check and the socket being counted in was not seen by it.
  recheck();
  let alive = true;
  ws.on('pong', () => (alive = true));
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
    recheck();
  }, deps.pingMs ?? PING_MS);

  const send = (event: SwitchboardEvent | { type: string; seq: string }) => {
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES)
      return ws.close(CLOSE_CODES.tryAgainLater, 'too far behind: reconnect with ?since=');
    ws.send(JSON.stringify(event));
  };
  const sendVisible = (entries: { id: string; message: Record<string, string> }[]) => {
    for (const { id, message } of entries) {
      const event = eventFor(principal, toEvent(id, message));
      if (event) send(event);
    }
  };

  try {
    reader = await deps.connectReader();
    const bounds = await streamBounds(deps.redis, key);
    let last = bounds.last;
    if (since !== null) {
      const missed =
        compareSeq(since, bounds.last) > 0 ||
        (bounds.trimmed && bounds.first !== undefined && compareSeq(since, bounds.first) < 0);
      if (missed) {
        send({ type: 'reset', seq: bounds.last });
      } else {
        // Catch up in pages up to the end as it was; XREAD below goes on from there.
        for (let from = since; open;) {
          const page = (await deps.redis.xRange(key, `(${from}`, bounds.last, { COUNT: BATCH })) ?? [];
          sendVisible(page);
          if (page.length < BATCH) break;
          from = page.at(-1)!.id;
        }
      }
    }
    if (!open) return;
    send({ type: 'live', seq: last });
    while (open) {
      const reply = (await reader.xRead({ key, id: last }, { COUNT: BATCH, BLOCK: BLOCK_MS })) as
        { messages: { id: string; message: Record<string, string> }[] }[] | null;
      const messages = reply?.[0]?.messages ?? [];
      if (messages.length === 0 || !open) continue;
      sendVisible(messages);
      last = messages.at(-1)!.id;
    }
  } catch (error) {
    if (!open) return;
    socketLog.warn({ err: error }, 'events: stream failed; closing the socket (the client resumes with ?since=)');
    ws.close(CLOSE_CODES.failed, 'event stream failed: reconnect with ?since=');
  } finally {
    closed();
  }
}
