import type { Channel, Client } from 'ari-client';
import { ariRequest } from '../call-media.js';

/** What reconcile's plan reads of a channel. */
export type ChannelSeen = Pick<Channel, 'id' | 'state' | 'dialplan'>;

/**
 * What Asterisk has, read once per reconcile: its channels, each bridge's channels, and when it
 * started (ms; NaN if it does not say): a call that arrived before that lost its caller with the
 * Asterisk that ran then.
 */
export interface AsteriskView<C extends ChannelSeen = ChannelSeen> {
  channels: ReadonlyMap<string, C>;
  bridges: ReadonlyMap<string, readonly string[]>;
  startedAt: number;
}

export async function readAsterisk(client: Client): Promise<AsteriskView<Channel>> {
  const [info, channels, bridges] = await Promise.all([
    ariRequest('read Asterisk status', client.asterisk.getInfo({ only: 'status' })),
    ariRequest('list channels', client.channels.list()),
    ariRequest('list bridges', client.bridges.list()),
  ]);
  return {
    channels: new Map(channels.map((c) => [c.id, c])),
    bridges: new Map(bridges.map((b) => [b.id, [b.channels].flat()])),
    startedAt: Date.parse(info.status?.startup_time ?? ''),
  };
}
