import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller-supplied id is kept only when it is short and plain, so it cannot smuggle control
// characters or clinical content into the logs.
const acceptableRequestId = /^[A-Za-z0-9._-]{8,64}$/;

/** The request's id: the caller's X-Request-Id when it is safe, else a new UUID; echoed back. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const offered = req.headers[REQUEST_ID_HEADER];
  const id = typeof offered === 'string' && acceptableRequestId.test(offered) ? offered : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
