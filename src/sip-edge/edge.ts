import type { RegionConfig } from '../config/region-schema.js';
import type { DiallingGuard } from '../dialling/dialling-guard.js';
import { type ContactStore, sourceAddress } from '../extensions/contact-store.js';
import { log, type Logger } from '../log.js';
import { FEATURE_CODE_HEADER } from '../self-service/feature-codes.js';
import {
  createSrf,
  type EdgeDialog,
  type EdgeRequest as Req,
  type EdgeResponse as Res,
  type EdgeSrf,
} from './drachtio.js';
import { createMediaNodePool, MEDIA_NODE_TIMING } from './media-nodes/media-node-pool.js';
import { createNonces } from './registrar/digest.js';
import { register } from './registrar/register.js';
import { createEmergencyCallerIds, phoneSource } from './routing/emergency-caller-id.js';
import {
  type Caller,
  type EdgeRoute,
  fallback,
  isEmergency,
  routeInvite,
  toAnotherNode,
  toSwitchboard,
  trunkHeaders,
  type EdgeRoutingDeps,
} from './routing/route-invite.js';
import type { AuthFailures } from './security/auth-failures.js';
import { authenticate, type AuthDeps, type SipReply } from './security/authenticate.js';
import type { NonceCounts } from './security/nonce-counts.js';
import { createScreen } from './security/screen.js';
import type { SipEdgeSettings } from './settings.js';
import { sipHeaders, type SipRequestView } from './sip-request.js';

export interface SipEdgeState {
  connected: boolean;
  mediaNodes: { node: string; healthy: boolean }[];
}

/** What the edge needs, from the switchboard's services (built in switchboard.ts). */
export interface SipEdgeServices {
  findRoute: EdgeRoutingDeps['findRoute'];
  directNumberTarget: EdgeRoutingDeps['directNumberTarget'];
  extension: EdgeRoutingDeps['extension'];
  absent: EdgeRoutingDeps['absent'];
  mainNumber: EdgeRoutingDeps['mainNumber'];
  credentials: AuthDeps['credentials'];
  contacts: Pick<ContactStore, 'bind' | 'unbind' | 'contacts' | 'at'>;
  dialling: Pick<DiallingGuard, 'decide' | 'admitExtensionCall' | 'recordExtensionCallEnded'>;
  nonceCounts: Pick<NonceCounts, 'firstUse'>;
  authFailures: AuthFailures;
  /** The members' phone networks and the default municipality: whose main number a 112 call shows. */
  region: Pick<RegionConfig, 'region' | 'municipalities'>;
  /** How long every contact of an extension rings before the call goes to the switchboard (the region's directDialRingSeconds, as on the Asterisk side). */
  ringMs: number;
}

/** Transports a phone's request counts as encrypted on when SIP_PHONES_REQUIRE_TLS is set. */
const SECURE_TRANSPORTS = new Set(['tls', 'wss']);

/**
 * The SIP edge: drachtio-srf connected to drachtio-server (its own reconnect, with backoff),
 * answering REGISTER, OPTIONS and INVITE from the trunk and the region's phones. What to do
 * is decided by the pure modules beside this one; this file only carries decisions out.
 * `srf` is drachtio-srf's, or a stand-in in the wiring tests.
 */
export function startSipEdge(settings: SipEdgeSettings, services: SipEdgeServices, srf: EdgeSrf = createSrf()) {
  const state = { connected: false };
  const media = createMediaNodePool(settings.mediaNodes);
  const screen = createScreen({ trunk: settings.trunkSources, phones: settings.phoneNetworks });
  const auth: AuthDeps = {
    realm: settings.realm,
    nonces: createNonces(),
    nonceCounts: services.nonceCounts,
    failures: services.authFailures,
    credentials: services.credentials,
  };
  const callerIds = createEmergencyCallerIds({
    bindingsAt: (hostPort) => services.contacts.at(hostPort),
    extension: services.extension,
    mainNumber: services.mainNumber,
    region: services.region,
  });
  const routing: EdgeRoutingDeps = {
    ...services,
    contacts: (extension) => services.contacts.contacts(extension),
    emergencyCallerId: async (at, callId) => {
      const { callerId, basis } = await callerIds.of(at);
      log.info({ callId, basis }, '112: caller ID chosen');
      return callerId;
    },
    media,
    trunkHost: settings.trunkHost,
    fallbackNumbers: settings.fallbackNumbers,
  };

  srf.connect({ ...settings.drachtio, enablePing: true, reconnect: { retryMaxDelay: 10_000 } });
  srf.on('connect', (err: unknown, hostport: string) => {
    // drachtio-server answers a wrong secret on the connect event itself.
    if (err) return log.error({ err }, 'SIP edge: drachtio-server refused the connection (DRACHTIO_SECRET?)');
    state.connected = true;
    log.info({ hostport }, 'SIP edge connected to drachtio-server');
  });
  srf.on('close', () => {
    state.connected = false;
    log.warn('SIP edge lost drachtio-server; reconnecting');
  });
  srf.on('error', (error: unknown) => {
    state.connected = false;
    log.warn({ err: error }, 'SIP edge: drachtio connection error');
  });

  const pinger = setInterval(() => {
    if (!state.connected) return;
    for (const node of media.nodes) {
      srf.request(`sip:${node}`, { method: 'OPTIONS' }, (err, sent) => {
        if (!err) sent?.on('response', ({ status }) => nodeAlive(status) && media.answered(node));
      });
    }
  }, MEDIA_NODE_TIMING.pingEveryMs);

  /** The first look: scanners get no answer at all, unknown sources a bare 403. */
  function admitted(req: Req, res: Res): 'trunk' | 'phone' | undefined {
    const screened = screen(req.source_address, sipHeaders.userAgent(req));
    if (screened === 'forbidden') send(res, { status: 403 });
    return screened === 'trunk' || screened === 'phone' ? screened : undefined;
  }

  /** SIP_PHONES_REQUIRE_TLS: a phone's REGISTER or INVITE (112 aside) must have come over TLS. */
  const transportAllowed = (req: SipRequestView) =>
    !settings.phonesRequireTls || SECURE_TRANSPORTS.has(req.protocol?.toLowerCase());

  srf.options((req, res) => {
    if (admitted(req, res)) send(res, { status: 200 });
  });

  srf.register(async (req, res) => {
    const from = admitted(req, res);
    if (!from) return;
    const callLog = log.child({ callId: req.get('call-id'), source: req.source_address, transport: req.protocol });
    if (from === 'trunk' || !transportAllowed(req)) return send(res, { status: 403 });
    const reply = await register(req, { ...auth, contacts: services.contacts }).catch((error: unknown) => {
      callLog.warn({ err: error }, 'REGISTER failed');
      return { status: 503 } as Awaited<ReturnType<typeof register>>;
    });
    callLog.info({ extension: sipHeaders.toExtension(req), status: reply.status }, 'REGISTER answered');
    send(res, reply);
    const { registered } = reply;
    if (registered) {
      // The copy a 112 call falls back on while Redis is away.
      void callerIds
        .registered(sourceAddress(req.source_address, req.source_port), registered.extension, registered.expiresSeconds)
        .catch(() => undefined);
    }
  });

  srf.invite(async (req, res) => {
    const from = admitted(req, res);
    if (!from) return;
    const dialled = sipHeaders.dialled(req);
    const callId = req.get('call-id') ?? '';
    // The number dialled may be a citizen's: at debug only (src/log.ts).
    const callLog = log.child({ callId, source: req.source_address });
    callLog.debug({ dialled }, 'INVITE');
    let caller: Caller = { from: 'trunk' };
    if (from === 'phone') {
      // 112 must not depend on credentials, on Redis to check them, or on the transport.
      if (dialled && isEmergency(dialled)) caller = { from: 'phone-network', at: phoneSource(req) };
      else {
        if (!transportAllowed(req)) return send(res, { status: 403 });
        const authed = await authenticate(req, auth).catch(() => ({ reply: { status: 503 } }));
        if ('reply' in authed) return send(res, authed.reply);
        caller = { from: 'phone', extension: authed.extension };
      }
    }
    const route = await routeInvite(dialled, caller, routing, callId);
    callLog.info(describe(route), 'INVITE routed');
    await carryOut(req, res, route, callLog).catch((error: unknown) =>
      callLog.info({ status: (error as { status?: number }).status }, 'call not connected'),
    );
  });

  /** `refusedBy`: the media nodes that refused this call with 503 (draining) so far. */
  async function carryOut(
    req: Req,
    res: Res,
    route: EdgeRoute,
    callLog: Logger,
    refusedBy: readonly string[] = [],
  ): Promise<void> {
    switch (route.kind) {
      case 'reject':
        return send(res, route.status === 503 ? UNAVAILABLE : { status: route.status });
      case 'media':
        try {
          const { uas, uac } = await srf.createB2BUA(req, res, route.uri, {
            headers: route.headers,
            localSdpB: req.body,
            passFailure: false,
          });
          endTogether(uas, uac);
        } catch (error) {
          const status = (error as { status?: number }).status;
          // 487: the caller gave up.
          if (status === 487) return;
          // 503: the node's instance drains (a rolling upgrade): another node takes the call.
          const other = status === 503 ? toAnotherNode(route, [...refusedBy, route.node], routing) : undefined;
          if (other) {
            callLog.info({ node: route.node, to: other.node }, 'media node draining (503); to another node');
            return carryOut(req, res, other, callLog, [...refusedBy, route.node]);
          }
          // A phone's feature code is not a citizen's call: the phone hears the failure, no fallback rings.
          if (route.featureCode) return send(res, UNAVAILABLE);
          // Otherwise the node failed between two pings: the fallback answers instead.
          callLog.warn({ node: route.uri, status }, 'media node refused the call; to the fallback');
          await carryOut(req, res, fallback(routing), callLog);
        }
        return;
      case 'trunk': {
        const { admitted: counted, forwarded } = route;
        // The daily cap counts the minutes of every admitted call, once, when it ends.
        const talked = (seconds: number) => {
          if (!counted) return;
          services.dialling
            .recordExtensionCallEnded(counted.municipalityId, counted.extension, seconds)
            .catch((error: unknown) => callLog.warn({ err: error }, 'talk time not counted'));
        };
        try {
          const { uas, uac } = await srf.createB2BUA(req, res, route.uri, {
            headers: trunkHeaders(route, settings.realm),
            localSdpB: req.body,
            ...(forwarded ? { passFailure: false } : {}),
          });
          const answeredAt = Date.now();
          endTogether(uas, uac, () => talked(Math.round((Date.now() - answeredAt) / 1000)));
        } catch (error) {
          talked(0);
          const status = (error as { status?: number }).status;
          // A forward the far end did not take: the switchboard takes the citizen (not when they gave up).
          if (!forwarded || status === 487) throw error;
          callLog.info({ status }, 'forwarded number not answered; to the switchboard');
          await carryOut(req, res, toSwitchboard(forwarded.call, 'forward-failed', routing), callLog);
        }
        return;
      }
      case 'fallback': {
        const rung = await ringAll(req, res, route.uris);
        if (rung === 486 || rung === 480) send(res, UNAVAILABLE);
        return;
      }
      case 'contacts': {
        const rung = await ringAll(req, res, route.uris);
        if (rung === 'answered' || rung === 'cancelled') return;
        if (!route.unanswered) return send(res, { status: rung });
        const reason = rung === 486 ? 'extension-busy' : 'extension-no-answer';
        callLog.info({ extension: route.extension, reason }, 'extension did not answer: to the switchboard');
        return carryOut(req, res, toSwitchboard(route.unanswered, reason, routing), callLog);
      }
    }
  }

  /**
   * Rings every uri at once with the caller's offer; the first to answer is connected to the
   * caller and the others are cancelled. Answers 'answered', 'cancelled' (the caller gave up)
   * or the status to pass on (486 when any was busy, else 480).
   */
  async function ringAll(req: Req, res: Res, uris: string[]): Promise<'answered' | 'cancelled' | 486 | 480> {
    const outgoing: { cancel(): void }[] = [];
    let cancelled = false;
    // A CANCEL to the leg that already answered has no effect (RFC 3261 §9.1); drachtio may refuse to send it.
    const stopRinging = () =>
      outgoing.forEach((r) => {
        try {
          r.cancel();
        } catch {
          // that leg has its final answer already
        }
      });
    req.on('cancel', () => {
      cancelled = true;
      stopRinging();
    });
    const timer = setTimeout(stopRinging, services.ringMs);
    const legs = uris.map((uri) =>
      // The caller's From without its tag: each leg is a new dialog with a tag of its own.
      srf.createUAC(
        uri,
        { localSdp: req.body, headers: { From: (req.get('from') ?? '').replace(/;\s*tag=[^;]*/i, '') } },
        {
          cbRequest: (_err, sent) => void (sent && outgoing.push(sent)),
        },
      ),
    );
    try {
      const uac = await Promise.any(legs);
      clearTimeout(timer);
      stopRinging();
      // A second phone answering at the same moment is hung up.
      for (const leg of legs) void leg.then((d) => (d === uac ? undefined : d.destroy())).catch(() => undefined);
      endTogether(await srf.createUAS(req, res, { localSdp: uac.remote.sdp }), uac);
      return 'answered';
    } catch (error) {
      clearTimeout(timer);
      if (cancelled) return 'cancelled';
      const statuses = error instanceof AggregateError ? error.errors.map((e: { status?: number }) => e.status) : [];
      return statuses.includes(486) ? 486 : 480;
    }
  }

  return {
    state: (): SipEdgeState => ({ connected: state.connected, mediaNodes: media.state() }),
    stop(): void {
      clearInterval(pinger);
      srf.disconnect();
    },
  };
}
export type SipEdge = ReturnType<typeof startSipEdge>;

/**
 * Any answer from a node's SIP stack means it is alive, even 4xx, but not 408 or 503: those
 * are what drachtio's own stack makes up when the node is silent or its port unreachable.
 */
const nodeAlive = (status: number) => status !== 408 && status !== 503;

/**
 * The two legs of a call through the edge end together: drachtio-srf leaves that to the app.
 * A leg already gone (both sides hung up at once) is no error. `ended` runs once, at the first.
 */
function endTogether(a: EdgeDialog, b: EdgeDialog, ended?: () => void): void {
  let done = false;
  const end = (other: EdgeDialog) => () => {
    if (!done) ended?.();
    done = true;
    void other.destroy().catch(() => undefined);
  };
  a.on('destroy', end(b));
  b.on('destroy', end(a));
}

/**
 * The answer when the switchboard cannot take a call now: no media node took it (each refuses,
 * busy, past its capacity: media/arrival/capacity.ts) and no fallback number answered, or what it
 * needs is out of reach. Retry-After lets the carrier try its other route or try again soon;
 * short, because a carrier may hold back every call to the edge that long (docs/decisions.md,
 * "Call set-up under load").
 */
const UNAVAILABLE: SipReply = { status: 503, headers: { 'Retry-After': '10' } };

/** Replies carry a status and the headers asked for, never a reason phrase or Server header with detail. */
function send(res: Res, reply: SipReply): void {
  res.send(reply.status, { headers: reply.headers ?? {} });
}

/** What the log says about a route: its kind and class, never the number (personal data). */
function describe(route: EdgeRoute): Record<string, unknown> {
  switch (route.kind) {
    case 'reject':
      return {
        route: 'reject',
        status: route.status,
        ...(route.refusal ? { numberClass: route.refusal.numberClass, refused: route.refusal.reason } : {}),
      };
    case 'contacts':
      return { route: 'extension', extension: route.extension, contacts: route.uris.length };
    case 'trunk':
      return {
        route: route.forwarded ? 'forward' : 'trunk',
        numberClass: route.numberClass,
        ...(route.admitted ? { extension: route.admitted.extension } : {}),
      };
    case 'media':
      if (route.featureCode) return { route: 'feature-code', extension: route.headers[FEATURE_CODE_HEADER] };
      return {
        route: route.headers['X-Target'] === 'menu' ? 'menu' : 'switchboard',
        reason: route.headers['X-Reason'],
      };
    case 'fallback':
      return { route: 'fallback', numbers: route.uris.length };
  }
}
