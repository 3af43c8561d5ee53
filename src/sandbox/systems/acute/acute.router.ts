import express, { type Request, type Response, type Router } from 'express';

import { ACUTE_TRUST } from '../../population/reference-data/organisations.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import { SANDBOX_FHIR_NAMESPACE, type FhirSystemProfile } from '../fhir-r4/fhir-system.js';
import { fhirR4Router, fhirRoute, sendFhir } from '../fhir-r4/fhir-r4.router.js';
import { FhirRequestError } from '../fhir-r4/operation-outcome.js';
import { TrustRecords } from '../fhir-r4/trust-records.js';
import { conditionToCreate, observationToCreate, type AcceptedCreate } from './acute-creates.js';

export const ACUTE_FHIR_PROFILE: FhirSystemProfile = {
  system: 'acute',
  organisation: ACUTE_TRUST,
  localIdSystem: `${SANDBOX_FHIR_NAMESPACE}/acute/mrn`,
  localIdName: 'Hospital number (MRN)',
  resourceTypes: ['AllergyIntolerance', 'MedicationRequest', 'Condition', 'Observation', 'DiagnosticReport', 'Encounter', 'Appointment'],
  creatable: ['Observation', 'Condition'],
  conditionCategory: 'encounter-diagnosis',
  medicationCategory: 'outpatient',
};

/** /acute: the hospital trust's FHIR R4 API (search and read; creates of Observation and Condition). */
export function acuteRouter(context: SandboxContext): Router {
  const records = new TrustRecords(context, ACUTE_FHIR_PROFILE);
  const router = express.Router();
  router.post('/Observation', fhirRoute(create(records, 'Observation', observationToCreate)));
  router.post('/Condition', fhirRoute(create(records, 'Condition', conditionToCreate)));
  router.use(fhirR4Router(records));
  return router;
}

function create<T extends Parameters<TrustRecords['store']>[1]>(
  records: TrustRecords,
  resourceType: 'Observation' | 'Condition',
  validate: (body: unknown, records: TrustRecords, now: Date) => AcceptedCreate<T>,
) {
  return (request: Request, response: Response): void => {
    if (!request.is(['application/fhir+json', 'application/json', 'application/json+fhir'])) {
      throw new FhirRequestError(415, 'not-supported', `Send the ${resourceType} as application/fhir+json`);
    }
    const { record, item } = validate(request.body, records, records.context.now());
    records.store(record, item);
    const stored = records.read(resourceType, records.itemResourceId(record, item.id));
    response.location(`${records.base}/${resourceType}/${stored.id}/_history/1`);
    if (/return=minimal/.test(request.get('prefer') ?? '')) {
      response.status(201).end();
      return;
    }
    sendFhir(response, 201, stored);
  };
}
