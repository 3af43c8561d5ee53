import { All, Controller, Get, Header, Param, Query, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';

import type { R4Bundle, R4Patient } from '../../../fhir/index.js';
import { AppConfig } from '../../../platform/config/index.js';
import { CurrentPrincipal, CurrentRequestId, type Principal, RequireRoles } from '../../governance/index.js';
import { PEOPLE_SEARCH_MAX, type PeopleQuery } from '../../record-aggregation/index.js';
import { capabilityStatement, type R4CapabilityStatement, SEARCH_PARAMETERS } from './domain/capability-statement.js';
import { isRecordResourceType } from './domain/resource-sections.js';
import {
  checkId,
  checkParameters,
  countOf,
  dateRangeOf,
  listOf,
  nhsNumberOfIdentifier,
  patientIdOf,
  type SearchQuery,
  single,
  spanOf,
  prefixed,
} from './domain/search-parameters.js';
import { FhirFacadeError, FhirFacadeErrorCode, invalidParameter, unsupportedParameter } from './fhir-facade.errors.js';
import { FHIR_JSON, FhirOutcomeFilter } from './fhir-outcome.filter.js';
import { EVERYTHING_TYPES, FhirReads } from './fhir-reads.service.js';

// The read-only FHIR R4 facade at /fhir/r4 (docs/API.md). Every route needs a bearer token (the
// global guard), metadata included: nothing here is public. Handlers check the parameters and
// make one FhirReads call; every error becomes an OperationOutcome (FhirOutcomeFilter).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDIT_PAGE_MAX = 500;

@Controller('fhir/r4')
@UseFilters(FhirOutcomeFilter)
export class FhirController {
  constructor(
    private readonly fhir: FhirReads,
    private readonly config: AppConfig,
  ) {}

  @Get('metadata')
  @Header('content-type', FHIR_JSON)
  metadata(@Req() req: Request, @Query() query: SearchQuery): R4CapabilityStatement {
    checkParameters(query, []);
    return capabilityStatement(aboutRequest(req).base, this.config.version);
  }

  @Get('Patient')
  @Header('content-type', FHIR_JSON)
  searchPatients(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Req() req: Request,
    @Query() query: SearchQuery,
  ): Promise<R4Bundle> {
    checkParameters(query, SEARCH_PARAMETERS.Patient);
    return this.fhir.searchPatients(
      { principal, requestId, ...aboutRequest(req) },
      peopleQueryOf(query),
      countOf(query, 10, PEOPLE_SEARCH_MAX),
    );
  }

  @Get('Patient/:id')
  @Header('content-type', FHIR_JSON)
  readPatient(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Req() req: Request,
    @Param('id') id: string,
    @Query() query: SearchQuery,
  ): Promise<R4Patient> {
    checkParameters(query, []);
    return this.fhir.patient({ principal, requestId, ...aboutRequest(req) }, checkId(id));
  }

  @Get('Patient/:id/$everything')
  @Header('content-type', FHIR_JSON)
  everything(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Req() req: Request,
    @Param('id') id: string,
    @Query() query: SearchQuery,
  ): Promise<R4Bundle> {
    checkParameters(query, SEARCH_PARAMETERS.everything);
    return this.fhir.everything({ principal, requestId, ...aboutRequest(req) }, checkId(id), listOf(query, '_type', EVERYTHING_TYPES));
  }

  @Get('AuditEvent')
  @RequireRoles('privacy-officer')
  @Header('content-type', FHIR_JSON)
  auditEvents(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Req() req: Request,
    @Query() query: SearchQuery,
  ): Promise<R4Bundle> {
    checkParameters(query, SEARCH_PARAMETERS.AuditEvent);
    const patient = single(query, 'patient');
    const personId = patient === undefined ? undefined : patientIdOf(patient);
    // The trail keys persons by their hub id, a UUID: anything else could match nobody.
    if (personId !== undefined && !UUID.test(personId)) throw invalidParameter('patient', 'must be a person’s id in the hub (a UUID)');
    const cursor = single(query, '_cursor');
    if (cursor !== undefined && !/^\d{1,19}$/.test(cursor)) throw invalidParameter('_cursor', 'must be the cursor of a next link');
    const { from, to } = dateRangeOf(query, 'date');
    return this.fhir.auditEvents(
      { principal, requestId, ...aboutRequest(req) },
      {
        ...(personId ? { personId } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        count: countOf(query, 100, AUDIT_PAGE_MAX),
        ...(cursor ? { cursor } : {}),
      },
    );
  }

  @Get(':type')
  @Header('content-type', FHIR_JSON)
  searchRecord(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Req() req: Request,
    @Param('type') type: string,
    @Query() query: SearchQuery,
  ): Promise<R4Bundle> {
    if (!isRecordResourceType(type)) throw unknownPath(type);
    checkParameters(query, SEARCH_PARAMETERS.record);
    const revinclude = single(query, '_revinclude');
    if (revinclude !== undefined && revinclude !== 'Provenance:target')
      throw unsupportedParameter('_revinclude', 'only Provenance:target is supported');
    const personId = patientIdOf(single(query, 'patient'));
    return this.fhir.searchRecord({ principal, requestId, ...aboutRequest(req) }, type, personId, revinclude !== undefined);
  }

  // Last, so that it catches only what no route above serves: an OperationOutcome rather than Nest's 404.
  @All('*path')
  @Header('content-type', FHIR_JSON)
  elsewhere(@Req() req: Request): never {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new FhirFacadeError(FhirFacadeErrorCode.ReadOnly, 'this FHIR server is read-only: only GET is supported');
    throw unknownPath(req.path.replace(/^\/fhir\/r4\/?/, ''));
  }
}

function unknownPath(path: string): FhirFacadeError {
  return new FhirFacadeError(
    FhirFacadeErrorCode.UnknownResource,
    `${JSON.stringify(path.slice(0, 60))} is not served here: see metadata for the resource types and operations offered`,
  );
}

/** The facade's base URL and the URL asked for, as the caller addressed the hub. */
/** Where the facade is (for a Bundle's links), and the request as the scope its look-ups are shared in. */
function aboutRequest(req: Request): { base: string; self: string; scope: object } {
  const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return { base: `${origin}/fhir/r4`, self: `${origin}${req.originalUrl}`, scope: req };
}

/**
 * A Patient search's criteria: an NHS number, or enough demographics to tell people apart (a
 * family name with a birth date, or both names with a postcode), as the people search requires.
 */
function peopleQueryOf(query: SearchQuery): PeopleQuery {
  const identifier = single(query, 'identifier');
  const family = single(query, 'family');
  const given = single(query, 'given');
  const birthdate = single(query, 'birthdate');
  const postcode = single(query, 'address-postalcode');
  let birthDate: string | undefined;
  if (birthdate !== undefined) {
    const { prefix, value } = prefixed(birthdate, 'birthdate');
    if (prefix !== 'eq' || spanOf(value, 'birthdate').precision !== 'day')
      throw unsupportedParameter('birthdate', 'only a full date (YYYY-MM-DD), without a prefix, is supported');
    birthDate = value;
  }
  if (identifier !== undefined) {
    // The NHS number alone decides who is found: other criteria beside it would be ignored, so they are refused.
    const beside = [family && 'family', given && 'given', birthdate && 'birthdate', postcode && 'address-postalcode'].filter(Boolean);
    if (beside.length) throw unsupportedParameter(String(beside[0]), 'cannot be combined with identifier');
    return { nhsNumber: nhsNumberOfIdentifier(identifier) };
  }
  if (!family || !(birthDate || (given && postcode)))
    throw invalidParameter(
      family ? 'birthdate' : 'family',
      'search by identifier (an NHS number), or by family with birthdate, or by family, given and address-postalcode',
    );
  return {
    family,
    ...(given ? { given } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(postcode ? { postcode } : {}),
  };
}
