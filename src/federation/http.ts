// Calls to other nodes: JSON over HTTP with a timeout; failures become errors that say which node and why.
export const PEER_TIMEOUT_MS = 5_000;

export class PeerError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(`${url}: ${message}`);
    this.name = 'PeerError';
  }
}

export async function peerJson<T>(
  url: string,
  init: { method?: string; body?: unknown } = {},
  timeoutMs = PEER_TIMEOUT_MS,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers:
        init.body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    throw new PeerError(
      url,
      `unreachable (${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)})`,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new PeerError(url, `answered ${res.status} with a body that is not JSON`, res.status);
  }
  if (!res.ok)
    throw new PeerError(
      url,
      `answered ${res.status}${typeof body === 'object' && body && 'code' in body ? ` (${String((body as { code: unknown }).code)})` : ''}`,
      res.status,
      body,
    );
  return body as T;
}
