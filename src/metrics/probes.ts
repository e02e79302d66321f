/**
 * What the hot paths report for /metrics, without knowing of prom-client: `ariRequest`
 * (media/call-media.ts) and `runScript` (store/scripts.ts) are free functions called from
 * dozens of places, so rather than threading the registry through each, they report here and
 * the switchboard installs its metrics' probes (metrics.ts) while it runs. Until then, and
 * with metrics off, every probe is a no-op. One process runs one switchboard in production; a
 * test process running two gets the figures of the one installed last (per-process figures
 * only: the region's counts are kept in Redis, metrics/call-counts.ts).
 */
export interface Probes {
  /** An ARI request took `seconds`; `result` ok, error or timeout. `request` is the literal description given to ariRequest. */
  ariRequest(request: string, seconds: number, result: 'ok' | 'error' | 'timeout'): void;
  /** A Lua script refused (its RV code) or failed (`error`: connection, a bug in a script). */
  scriptError(code: string): void;
  /** A caller's set-up, from arrival in the Stasis app to waiting in the queue (`queued`) or failing. */
  callSetUp(seconds: number, result: 'queued' | 'failed'): void;
}

const NONE: Probes = { ariRequest() {}, scriptError() {}, callSetUp() {} };

let installed: Probes = NONE;

/** The probes in force (no-ops unless a switchboard installed its own). */
export const probes: Probes = {
  ariRequest: (request, seconds, result) => installed.ariRequest(request, seconds, result),
  scriptError: (code) => installed.scriptError(code),
  callSetUp: (seconds, result) => installed.callSetUp(seconds, result),
};

/** Installs a switchboard's probes; the returned function takes them away again (if still installed). */
export function installProbes(own: Probes): () => void {
  installed = own;
  return () => {
    if (installed === own) installed = NONE;
  };
}
