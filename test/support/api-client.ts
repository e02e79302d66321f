/**
 * Calls a switchboard's HTTP API (at `baseUrl`, or wherever it is now) with a bearer token, as
 * a client would; gives the status and the parsed JSON body.
 */
export function apiClient(baseUrl: string | (() => string), token: string) {
  const url = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
  return async function api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${url()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
