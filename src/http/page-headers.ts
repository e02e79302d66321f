import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * What the pages people open in a browser (the console at /konsol/, the API reference at
 * /api/docs) answer with, so that an injected script cannot run or phone home and no other site
 * can frame them (clickjacking an operator's "transfer"): a Content-Security-Policy allowing
 * only the app's own files (no inline script: both pages load theirs from files), talking only
 * to the app itself (connect-src 'self' covers the events WebSocket on the same host), and never
 * framed; no MIME sniffing; no Referer (the console's URL carries nothing, but links out should
 * not tell where they came from). HSTS is left to the TLS proxy in front: the app itself may
 * answer plain HTTP on loopback. `connectTo`: other origins the page may talk to (the console's
 * browser phone registers on Asterisk's SIP WebSocket); microphone and speaker need no CSP.
 */
export function pageHeaders({ connectTo = [] }: { connectTo?: readonly string[] } = {}): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      // Swagger UI's icons are data: SVGs in its stylesheet.
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'", ...connectTo],
      // A voice message plays from an object URL of what the console fetched with its token.
      mediaSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    strictTransportSecurity: false,
  });
}
