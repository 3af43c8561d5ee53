import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import { capabilityStatement } from './capability-statement.js';
import { clinicalFilter, clinicalSupportedParameters, PATIENT_PARAMETERS } from './clinical-search.js';
import type { ClinicalResourceType } from './fhir-system.js';
import { badRequest, FhirRequestError, notFound, operationOutcome } from './operation-outcome.js';
import { lastUpdatedRange, pageToken, parsePageToken } from './last-updated.js';
import type { PatientCriterion } from './patient-index.js';
import { PATIENT_SEARCH_PARAMETERS, patientCriteria, splitChangeSearch, type ChangeSearch } from './patient-search.js';
import type { Bundle } from './r4-types.js';
import { searchsetBundle } from './search-bundle.js';
import { parseSearch, type ParsedSearch } from './search-parameters.js';
import type { TrustRecords } from './trust-records.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendFhir(response: Response, status: number, body: object): void {
  response.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

/** Runs a handler, answering a refused request with its OperationOutcome. */
export function fhirRoute(handler: (request: Request, response: Response) => void) {
  return (request: Request, response: Response, next: NextFunction): void => {
    try {
      handler(request, response);
    } catch (error) {
      if (error instanceof FhirRequestError)
        sendFhir(response, error.status, operationOutcome('error', error.code, error.message, error.expression));
      else next(error);
    }
  };
}

/** The query exactly as sent: repeated parameters (date=ge..&date=le..) stay separate and in order. */
export function queryOf(request: Request): URLSearchParams {
  return new URL(request.originalUrl, 'http://sandbox.invalid').searchParams;
}

/**
 * The read and search side of a trust's FHIR R4 API: metadata, Patient search and read, and
 * per-patient search and read of its clinical types. Creates are added by the trust's own router
 * before this one.
 */
export function fhirR4Router(records: TrustRecords): Router {
  const { profile } = records;
  const router = express.Router();
  const served = (type: string): type is ClinicalResourceType => (profile.resourceTypes as readonly string[]).includes(type);
  const requireServed = (type: string): ClinicalResourceType => {
    if (!served(type)) {
      throw notFound(`Unknown resource type "${type}": this server knows Patient, ${profile.resourceTypes.join(', ')}`);
    }
    return type;
  };

  router.get(
    '/metadata',
    fhirRoute((_request, response) => {
      sendFhir(response, 200, capabilityStatement(profile, records.base, records.context.population.referenceDate));
    }),
  );

  router.get(
    '/Patient',
    fhirRoute((request, response) => {
      const query = queryOf(request);
      const search = parseSearch('Patient', query, PATIENT_SEARCH_PARAMETERS);
      const { criteria: clauses, change } = splitChangeSearch(search.clauses);
      const criteria = patientCriteria(records.index, clauses, profile.localIdSystem);
      if (change) {
        sendFhir(response, 200, changeSearchBundle(records, query, criteria, change, search));
        return;
      }
      const found = records.index.search(criteria);
      const page = search.count > 0 ? found.slice(search.offset, search.offset + search.count) : [];
      sendFhir(
        response,
        200,
        searchsetBundle({
          base: records.base,
          resourceType: 'Patient',
          query,
          total: found.length,
          entries: page.map((record) => records.patientResource(record)),
          count: search.count,
          offset: search.offset,
          now: records.context.now(),
        }),
      );
    }),
  );

  router.get(
    '/Patient/:id',
    fhirRoute((request, response) => {
      sendFhir(response, 200, records.patientResource(records.patient(String(request.params.id))));
    }),
  );

  router.get(
    '/:type',
    fhirRoute((request, response) => {
      const type = requireServed(String(request.params.type));
      const query = queryOf(request);
      const search = parseSearch(type, query, clinicalSupportedParameters(type));
      const patientClauses = search.clauses.filter((clause) => (PATIENT_PARAMETERS as readonly string[]).includes(clause.name));
      const references = [...new Set(patientClauses.flatMap((clause) => clause.values))];
      if (references.length === 0) {
        throw badRequest(
          `A ${type} search needs patient=<id> (or subject=Patient/<id>): this server does not search across patients`,
          'required',
        );
      }
      if (references.length > 1)
        throw badRequest(`Search one patient at a time: got ${references.length} patient references`, 'not-supported');
      // Every value is checked before the patient is looked up: a bad parameter is a 400 whoever the patient is.
      const matches = clinicalFilter(type, search.clauses);
      const record = records.patientFromReference(patientClauses[0].name, references[0]);
      const found = records.resources(record, type).filter(matches);
      sendFhir(
        response,
        200,
        searchsetBundle({
          base: records.base,
          resourceType: type,
          query,
          total: found.length,
          entries: search.count > 0 ? found.slice(search.offset, search.offset + search.count) : [],
          count: search.count,
          offset: search.offset,
          now: records.context.now(),
        }),
      );
    }),
  );

  router.get(
    '/:type/:id',
    fhirRoute((request, response) => {
      const type = requireServed(String(request.params.type));
      sendFhir(response, 200, records.read(type, String(request.params.id)));
    }),
  );

  router.use(
    fhirRoute((request) => {
      const type = request.path.split('/')[1] ?? '';
      if (type === 'Patient' || served(type) || type === 'metadata') {
        throw new FhirRequestError(405, 'not-supported', `${request.method} ${request.path} is not supported by this server`);
      }
      throw notFound(`Unknown resource type "${type}": this server knows Patient, ${profile.resourceTypes.join(', ')}`);
    }),
  );

  router.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    // Never echo internals (or clinical content) back: the client learns only that we failed.
    void error;
    sendFhir(response, 500, operationOutcome('error', 'exception', 'the simulated system failed'));
  });

  return router;
}

/**
 * Patients in lastUpdated order (ties by id). Without other criteria a page is read straight off
 * the sorted index; next links carry the (time, id) the page ended on rather than an offset, so a
 * patient updated while a client pages moves to the end without shifting one it has not seen yet.
 */
function changeSearchBundle(
  records: TrustRecords,
  query: URLSearchParams,
  criteria: PatientCriterion[],
  change: ChangeSearch,
  search: ParsedSearch,
): Bundle {
  const page = records.changes.page({
    range: lastUpdatedRange(change.lastUpdated),
    descending: change.descending,
    ...(change.pageToken !== undefined ? { anchor: parsePageToken(change.pageToken) } : {}),
    offset: search.offset,
    count: search.count,
    ...(criteria.length > 0 ? { candidates: records.index.search(criteria) } : {}),
  });
  return searchsetBundle({
    base: records.base,
    resourceType: 'Patient',
    query,
    total: page.total,
    entries: page.records.map((record) => records.patientResource(record)),
    count: search.count,
    offset: page.rank,
    now: records.context.now(),
    ...(page.more && page.last ? { nextPageToken: pageToken(page.last) } : {}),
  });
}
