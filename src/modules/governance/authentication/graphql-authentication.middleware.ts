import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { GovernanceErrorCode } from '../governance.errors.js';
import { AuthenticationGuard, type HubRequest } from './authentication.guard.js';
import { challenge, refusalShape } from './governance-error.filter.js';

/**
 * "No endpoint but health and metrics answers without a valid token" holds for GraphQL before
 * any resolver runs: without this, a request with no token could still learn the schema from
 * introspection, parse and validation errors. A request whose token is missing or invalid is
 * refused here as a whole (401, or 503 when the identity provider is down), once, and audited
 * like any refusal. Everything else (roles, acting for someone) is decided per field by the guard,
 * which reuses the verification cached on the request. The IDE's own page (a browser GET for
 * HTML, outside production) carries no data and loads without a token; its queries do not.
 */
@Injectable()
export class GraphqlAuthenticationMiddleware implements NestMiddleware {
  constructor(@Inject(AuthenticationGuard) private readonly guard: AuthenticationGuard) {}

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    const idePage = request.method === 'GET' && request.query.query === undefined && (request.headers.accept ?? '').includes('text/html');
    if (idePage) return next();
    const hubRequest = request as unknown as HubRequest;
    const authentication = await this.guard.authenticate(hubRequest);
    if (!('refusal' in authentication) || authentication.refusal.code !== GovernanceErrorCode.Unauthenticated) return next();
    const refusal = authentication.refusal;
    await this.guard.recordRefusal(hubRequest, refusal, undefined, `${request.method} /graphql`);
    const { status, graphqlCode } = refusalShape(refusal);
    for (const [name, value] of challenge(refusal, status)) response.setHeader(name, value);
    response.status(status).json({ errors: [{ message: refusal.message, extensions: { code: graphqlCode, reason: refusal.reason } }] });
  }
}
