import type { Env } from '../config/env.js';

export interface SipEdgeSettings {
  drachtio: { host: string; port: number; secret: string };
  realm: string;
  trunkSources: string[];
  phoneNetworks: string[];
  mediaNodes: string[];
  trunkHost: string | undefined;
  /** E.164. */
  fallbackNumbers: string[];
  /** SIP_PHONES_REQUIRE_TLS: phones' REGISTER and INVITE (112 aside) only over TLS. */
  phonesRequireTls: boolean;
}

/** The edge's settings from the (already zod-checked) environment; undefined when no drachtio-server is named. */
export function sipEdgeSettings(env: Env): SipEdgeSettings | undefined {
  if (!env.DRACHTIO_HOST || !env.DRACHTIO_PORT || !env.DRACHTIO_SECRET) return undefined;
  return {
    drachtio: { host: env.DRACHTIO_HOST, port: env.DRACHTIO_PORT, secret: env.DRACHTIO_SECRET },
    realm: env.SIP_REALM,
    trunkSources: env.SIP_TRUNK_SOURCES,
    phoneNetworks: env.SIP_PHONE_NETWORKS,
    mediaNodes: env.SIP_MEDIA_NODES,
    trunkHost: env.CARRIER_SIP_HOST,
    fallbackNumbers: env.SIP_FALLBACK_NUMBERS,
    phonesRequireTls: env.SIP_PHONES_REQUIRE_TLS,
  };
}
