/**
 * The console's one way to the API: the signed-in token (sessionStorage, so it is gone when the
 * tab closes) as a bearer, JSON in and out, the API's error shape turned into an ApiError.
 */
const TOKEN_KEY = 'regionvaxeln.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** `version`: the object's version as the API gave it, sent as If-Match (admin objects and entries refuse changes without it). */
export async function api<T>(method: string, path: string, json?: unknown, version?: number): Promise<T> {
  const response = await send(method, path, json, version);
  return answer<T>(response.status, await response.text());
}

function send(method: string, path: string, json?: unknown, version?: number): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token.get() ?? ''}`,
    ...(version === undefined ? {} : { 'if-match': `"${version}"` }),
  };
  if (json !== undefined) headers['content-type'] = 'application/json';
  return fetch(`/api/v1${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
}

/** One object read to be changed: its JSON and the version its ETag names, to send back as If-Match. */
export async function getVersioned<T>(path: string): Promise<{ value: T; version: number }> {
  const response = await send('GET', path);
  const value = answer<T>(response.status, await response.text());
  return { value, version: Number(/^(?:W\/)?"(\d+)"$/.exec(response.headers.get('etag') ?? '')?.[1] ?? Number.NaN) };
}

/** The API's answer: its JSON, or its error shape as an ApiError. */
export function answer<T>(status: number, text: string): T {
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (status >= 400) {
    const error = (parsed as { error?: { code: string; message: string; details?: unknown[] } } | undefined)?.error;
    throw new ApiError(status, error?.code ?? 'http_error', error?.message ?? `HTTP ${status}`, error?.details);
  }
  return parsed as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** Binary content (a recording) as a Blob, with the token: a media element's own request could not send it. */
export async function getBlob(path: string): Promise<Blob> {
  const response = await send('GET', path);
  if (!response.ok) answer(response.status, await response.text());
  return response.blob();
}
export const post = <T>(path: string, json?: unknown) => api<T>('POST', path, json);
export const patch = <T>(path: string, json: unknown, version: number) => api<T>('PATCH', path, json, version);
export const remove = (path: string, version?: number) => api<void>('DELETE', path, undefined, version);

/** A message for people: what the API said, or that it could not be reached. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError)
    return error.status === 401 ? 'Nyckeln gäller inte längre. Logga in igen.' : error.message;
  return 'Växeln svarar inte. Kontrollera nätverket.';
}
