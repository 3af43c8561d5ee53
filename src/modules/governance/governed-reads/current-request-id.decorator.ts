import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import { requestIdOf } from '../audit-review/request-id.js';
import { requestOf } from '../authentication/authentication.decorators.js';

/**
 * The id of the request a resolver or handler serves: the X-Request-Id the caller sent (or the
 * one pino-http made up), which the response header and every log line carry and the audit row records.
 */
export const CurrentRequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  requestIdOf(requestOf(context) as { id?: unknown } | undefined),
);

/**
 * The request a resolver or handler serves, as an opaque key: look-ups made for it may be shared
 * by every field of that one request (per-request batching) and are dropped with it.
 */
export const CurrentRequestScope = createParamDecorator((_data: unknown, context: ExecutionContext): object | undefined =>
  requestOf(context),
);
