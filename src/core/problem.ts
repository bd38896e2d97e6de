// RFC 9457 problem details. Thrown anywhere below the routes; the HTTP layer renders them.
export interface ProblemInit {
  status: number;
  code: string; // stable machine-readable code, e.g. "dataset_not_found"
  title: string;
  detail?: string;
  extra?: Record<string, unknown>;
  /** Seconds the client should wait before trying again (sent as Retry-After on 429 and 503). */
  retryAfter?: number;
}

export class Problem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title);
    this.name = 'Problem';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.extra = init.extra;
    this.retryAfter = init.retryAfter;
  }

  /** The body; `instance` is the route template (never the raw URL, which can hold personal data). */
  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: `https://govshare.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(instance !== undefined ? { instance } : {}),
      ...(this.extra ?? {}),
    };
  }
}

export const badRequest = (code: string, detail: string, extra?: Record<string, unknown>): Problem =>
  new Problem({ status: 400, code, title: 'Bad request', detail, ...(extra ? { extra } : {}) });
export const unauthorized = (detail: string): Problem =>
  new Problem({ status: 401, code: 'unauthorized', title: 'Authentication required', detail });
export const forbidden = (code: string, detail: string): Problem =>
  new Problem({ status: 403, code, title: 'Forbidden', detail });
export const notFound = (code: string, detail: string): Problem =>
  new Problem({ status: 404, code, title: 'Not found', detail });
export const conflict = (code: string, detail: string): Problem =>
  new Problem({ status: 409, code, title: 'Conflict', detail });
export const unprocessable = (code: string, detail: string, extra?: Record<string, unknown>): Problem =>
  new Problem({ status: 422, code, title: 'Unprocessable content', detail, ...(extra ? { extra } : {}) });
export const tooLarge = (detail: string): Problem =>
  new Problem({ status: 413, code: 'payload_too_large', title: 'Payload too large', detail });
export const tooManyRequests = (code: string, detail: string, retryAfter: number): Problem =>
  new Problem({ status: 429, code, title: 'Too many requests', detail, retryAfter });
export const unavailable = (code: string, detail: string, retryAfter: number): Problem =>
  new Problem({ status: 503, code, title: 'Service unavailable', detail, retryAfter });
