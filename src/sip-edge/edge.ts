import type { ContactStore } from '../extensions/contact-store.js';
import { log, type Logger } from '../log.js';
import type { Services } from '../services.js';
import { createSrf, type EdgeDialog, type EdgeRequest as Req, type EdgeResponse as Res, type EdgeSrf } from './drachtio.js';
import { createMediaNodePool, MEDIA_NODE_TIMING } from './media-nodes/media-node-pool.js';
import { createNonces } from './registrar/digest.js';
import { register, type RegistrarDeps } from './registrar/register.js';
import { type EdgeRoute, fallback, isEmergency, routeInvite, toSwitchboard, type EdgeRoutingDeps } from './routing/route-invite.js';
import { createAuthFailures } from './security/auth-failures.js';
import { authenticate, type AuthDeps, type SipReply } from './security/authenticate.js';
import { createScreen } from './security/screen.js';
import type { SipEdgeSettings } from './settings.js';
import { sipHeaders } from './sip-request.js';

export interface SipEdgeState {
  connected: boolean;
  mediaNodes: { node: string; healthy: boolean }[];
}

export interface SipEdgeServices {
  findRoute: EdgeRoutingDeps['findRoute'];
  directNumberOwner: EdgeRoutingDeps['directNumberOwner'];
  extension: EdgeRoutingDeps['extension'];
  mainNumber: EdgeRoutingDeps['mainNumber'];
  credentials: AuthDeps['credentials'];
  contacts: RegistrarDeps['contacts'];
  /** How long every contact of an extension rings before the call goes to the switchboard (the region's directDialRingSeconds, as on the Asterisk side). */
  ringMs: number;
}

/** What the edge needs, from the switchboard's services (one wiring, services.ts). */
export function sipEdgeServices(services: Pick<Services, 'directory' | 'admin' | 'directNumberOwner' | 'region'>, contacts: ContactStore): SipEdgeServices {
  const { extensions } = services.admin;
  return {
    findRoute: services.directory.findRoute,
    directNumberOwner: services.directNumberOwner,
    async extension(extension) {
      const id = await extensions.idByClaim(`extension:${extension}`);
      return id === undefined ? undefined : (await extensions.get(id))?.doc;
    },
    mainNumber: (id) => services.region.municipalities.find((m) => m.id === id)?.mainNumbers[0],
    credentials: (extension) => extensions.sipCredentials(extension),
    contacts,
    ringMs: services.region.region.directDialRingSeconds * 1000,
  };
}

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
  const auth: AuthDeps = { realm: settings.realm, nonces: createNonces(), failures: createAuthFailures(), credentials: services.credentials };
  const routing: EdgeRoutingDeps = {
    ...services,
    contacts: (extension) => services.contacts.contacts(extension),
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

  srf.options((req, res) => {
    if (admitted(req, res)) send(res, { status: 200 });
  });

  srf.register(async (req, res) => {
    const from = admitted(req, res);
    if (!from) return;
    const callLog = log.child({ callId: req.get('call-id'), source: req.source_address });
    if (from === 'trunk') return send(res, { status: 403 });
    const reply = await register(req, { ...auth, contacts: services.contacts }).catch((error: unknown) => {
      callLog.warn({ err: error }, 'REGISTER failed');
      return { status: 503 };
    });
    callLog.info({ extension: sipHeaders.toExtension(req), status: reply.status }, 'REGISTER answered');
    send(res, reply);
  });

  srf.invite(async (req, res) => {
    const from = admitted(req, res);
    if (!from) return;
    const dialled = sipHeaders.dialled(req);
    const callLog = log.child({ callId: req.get('call-id'), source: req.source_address, dialled });
    let caller: Parameters<typeof routeInvite>[1] = { from: 'trunk' };
    // 112 must not depend on credentials (or on Redis to check them).
    if (from === 'phone' && !(dialled && isEmergency(dialled))) {
      const authed = await authenticate(req, auth).catch(() => ({ reply: { status: 503 } }));
      if ('reply' in authed) return send(res, authed.reply);
      caller = { from: 'phone', extension: authed.extension };
    }
    const route = await routeInvite(dialled, caller, routing);
    callLog.info({ route: describe(route) }, 'INVITE routed');
    await carryOut(req, res, route, callLog).catch((error: unknown) => callLog.info({ status: (error as { status?: number }).status }, 'call not connected'));
  });

  async function carryOut(req: Req, res: Res, route: EdgeRoute, callLog: Logger): Promise<void> {
    switch (route.kind) {
      case 'reject':
        return send(res, { status: route.status });
      case 'media':
        try {
          const { uas, uac } = await srf.createB2BUA(req, res, route.uri, { headers: route.headers, localSdpB: req.body, passFailure: false });
          endTogether(uas, uac);
        } catch (error) {
          // 487: the caller gave up. Otherwise the node failed between two pings: the fallback answers instead.
          if ((error as { status?: number }).status === 487) return;
          callLog.warn({ node: route.uri, status: (error as { status?: number }).status }, 'media node refused the call; to the fallback');
          await carryOut(req, res, fallback(routing), callLog);
        }
        return;
      case 'trunk': {
        const id = route.callerId && { From: `<sip:${route.callerId}@${settings.realm}>`, 'P-Asserted-Identity': `<sip:${route.callerId}@${settings.realm}>` };
        const { uas, uac } = await srf.createB2BUA(req, res, route.uri, { headers: id || {}, localSdpB: req.body });
        endTogether(uas, uac);
        return;
      }
      case 'fallback': {
        const rung = await ringAll(req, res, route.uris);
        if (rung === 486 || rung === 480) send(res, { status: 503 });
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
      srf.createUAC(uri, { localSdp: req.body, headers: { From: (req.get('from') ?? '').replace(/;\s*tag=[^;]*/i, '') } }, {
        cbRequest: (_err, sent) => void (sent && outgoing.push(sent)),
      }),
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
 * A leg already gone (both sides hung up at once) is no error.
 */
function endTogether(a: EdgeDialog, b: EdgeDialog): void {
  a.on('destroy', () => void b.destroy().catch(() => undefined));
  b.on('destroy', () => void a.destroy().catch(() => undefined));
}

/** Replies carry a status and the headers asked for, never a reason phrase or Server header with detail. */
function send(res: Res, reply: SipReply): void {
  res.send(reply.status, { headers: reply.headers ?? {} });
}

function describe(route: EdgeRoute): string {
  return route.kind === 'reject' ? `reject ${route.status}` : route.kind === 'contacts' ? `extension ${route.extension} (${route.uris.length} contacts)` : route.kind;
}
