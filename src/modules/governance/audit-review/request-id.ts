import { randomUUID } from 'node:crypto';

/** The HTTP request as pino-http leaves it: `id` is the request id every log line carries. */
export interface RequestWithId {
  id?: unknown;
}

/** The request id the logs and the response header carry, so an audit row can be matched to both. */
export function requestIdOf(req: RequestWithId | undefined): string {
  const id = req?.id;
  return typeof id === 'string' && id ? id : randomUUID();
}
