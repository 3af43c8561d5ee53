import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import { isValidNhsNumber } from '../../../fhir/index.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import type { Bundle, Resource } from './pds-fhir-types.js';
import { PdsIndex } from './pds-index.js';
import { PdsError, spineOutcome } from './pds-outcome.js';
import { pdsPatient } from './pds-patient.js';
import { parseSearch, runSearch } from './pds-search.js';

const FHIR_JSON = 'application/fhir+json';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * /pds: the national demographics service, in the PDS FHIR API's style. It is the authority on
 * demographics, so it serves its own clean copy of each person, with their name and address history.
 */
export function pdsRouter(context: SandboxContext): Router {
  const index = new PdsIndex(context);
  const router = express.Router();

  router.use(echoRequestIds);

  router.get('/FHIR/R4/Patient/:nhsNumber', (request, response) => {
    const nhsNumber = String(request.params.nhsNumber);
    if (!/^\d{10}$/.test(nhsNumber) || !isValidNhsNumber(nhsNumber)) throw new PdsError('INVALID_RESOURCE_ID');
    const entry = index.read(nhsNumber);
    if (!entry) throw new PdsError('RESOURCE_NOT_FOUND');
    response.setHeader('ETag', `W/"${entry.version}"`);
    send(response, 200, pdsPatient(entry, 'read'));
  });

  router.get('/FHIR/R4/Patient', (request, response) => {
    const search = parseSearch(request.query as Record<string, unknown>);
    const matches = runSearch(index, search);
    if (matches.length > search.maxResults) {
      send(response, 200, spineOutcome('TOO_MANY_MATCHES'));
      return;
    }
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: timestamp(context.now()),
      total: matches.length,
    };
    if (matches.length > 0) {
      bundle.entry = matches.map(({ entry, score }) => ({
        fullUrl: `${context.publicUrl}/pds/FHIR/R4/Patient/${entry.nhsNumber}`,
        search: { score },
        resource: pdsPatient(entry, 'search'),
      }));
    }
    send(response, 200, bundle);
  });

  router.use((request: Request) => {
    throw new PdsError('RESOURCE_NOT_FOUND', `No such resource or operation: ${request.method} ${request.path}`);
  });

  router.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (!(error instanceof PdsError)) {
      next(error);
      return;
    }
    send(response, error.status, error.toOutcome());
  });

  return router;
}

/**
 * PDS mirrors X-Request-ID and X-Correlation-ID on every response. It requires X-Request-ID to be
 * a UUID; the sandbox checks one when sent but, unlike PDS, lets a request without one through.
 */
function echoRequestIds(request: Request, response: Response, next: NextFunction): void {
  const requestId = request.header('x-request-id');
  const correlationId = request.header('x-correlation-id');
  if (requestId !== undefined) response.setHeader('X-Request-ID', requestId);
  if (correlationId !== undefined) response.setHeader('X-Correlation-ID', correlationId);
  if (requestId !== undefined && !UUID.test(requestId)) {
    throw new PdsError('INVALID_VALUE', `Invalid value - '${requestId}' in header 'X-Request-ID'`);
  }
  next();
}

function send(response: Response, status: number, resource: Resource): void {
  response.status(status).type(FHIR_JSON).send(JSON.stringify(resource));
}

/** PDS's timestamp style: 2024-09-27T12:15:53+00:00. */
function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}
