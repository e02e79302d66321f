import Srf from 'drachtio-srf';
import type { SipRequestView } from './sip-request.js';

/**
 * What the edge uses of drachtio-srf, typed from its real API: its bundled types lack
 * `register`/`options`, give `request` the wrong arity and the progress callbacks the wrong
 * arguments. Everything else in the edge depends on this, not on the bundled types.
 */
export interface EdgeRequest extends SipRequestView {
  body: string;
  on(event: 'cancel', listener: () => void): void;
}
export interface EdgeResponse {
  send(status: number, opts: { headers: Record<string, string> }): void;
}
export interface EdgeDialog {
  remote: { sdp: string };
  destroy(): Promise<void>;
  on(event: 'destroy', listener: () => void): void;
}
type Handler = (req: EdgeRequest, res: EdgeResponse) => void | Promise<void>;

export interface EdgeSrf {
  connect(opts: {
    host: string;
    port: number;
    secret: string;
    enablePing: boolean;
    reconnect: { retryMaxDelay: number };
  }): void;
  disconnect(): void;
  on(event: 'connect', listener: (err: unknown, hostport: string) => void): void;
  on(event: 'close' | 'error' | 'reconnecting', listener: (detail?: unknown) => void): void;
  options(handler: Handler): void;
  register(handler: Handler): void;
  invite(handler: Handler): void;
  request(
    uri: string,
    opts: { method: 'OPTIONS' },
    callback: (
      err: unknown,
      sent?: { on(event: 'response', listener: (response: { status: number }) => void): void },
    ) => void,
  ): void;
  createUAC(
    uri: string,
    opts: { localSdp: string; headers: Record<string, string> },
    progress: { cbRequest: (err: unknown, sent?: { cancel(): void }) => void },
  ): Promise<EdgeDialog>;
  createUAS(req: EdgeRequest, res: EdgeResponse, opts: { localSdp: string }): Promise<EdgeDialog>;
  createB2BUA(
    req: EdgeRequest,
    res: EdgeResponse,
    uri: string,
    opts: { headers: Record<string, string>; localSdpB: string; passFailure?: boolean },
  ): Promise<{ uas: EdgeDialog; uac: EdgeDialog }>;
}

export const createSrf = (): EdgeSrf => new Srf() as unknown as EdgeSrf;
