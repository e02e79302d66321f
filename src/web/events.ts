import { useEffect, useRef, useState } from 'preact/hooks';
import { token } from './api.js';

const MAX_BACKOFF_MS = 10_000;

/** An event of the stream (its type and fields: docs/decisions.md, "Events"), or `live`/`reset`. */
export type LiveEvent = { type: string; seq?: string };

/**
 * Follows GET /api/v1/events. Every message calls `onChange`, and the caller re-reads
 * what it shows over the API: simpler than patching state from each event type, and the same
 * path as a reload. After a drop it reconnects with `?since=` (so nothing is missed) and is
 * `stale` until the server says it is live again.
 */
export function useEvents(onChange: (event: LiveEvent) => void): { stale: boolean } {
  const [stale, setStale] = useState(false);
  const latest = useRef(onChange);
  latest.current = onChange;

  useEffect(() => {
    let socket: WebSocket | undefined;
    let since: string | undefined;
    let backoff = 500;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const connect = () => {
      const query = new URLSearchParams({ access_token: token.get() ?? '', ...(since ? { since } : {}) });
      socket = new WebSocket(
        `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events?${query}`,
      );
      socket.onmessage = (message) => {
        const event = JSON.parse(String(message.data)) as LiveEvent;
        if (event.seq) since = event.seq;
        if (event.type === 'live') {
          backoff = 500;
          setStale(false);
        }
        latest.current(event);
      };
      socket.onclose = () => {
        if (closed) return;
        setStale(true);
        retry = setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, []);

  return { stale };
}
