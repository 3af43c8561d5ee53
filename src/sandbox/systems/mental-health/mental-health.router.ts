import type { Router } from 'express';

import { MENTAL_HEALTH_TRUST } from '../../population/reference-data/organisations.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import { CLINICAL_RESOURCE_TYPES, SANDBOX_FHIR_NAMESPACE, type FhirSystemProfile } from '../fhir-r4/fhir-system.js';
import { fhirR4Router } from '../fhir-r4/fhir-r4.router.js';
import { TrustRecords } from '../fhir-r4/trust-records.js';

/**
 * The mental health and community trust files people under its RiO-style client id first; the NHS
 * number follows only where the record has one (the record layer leaves it out at its documented rate).
 */
export const MENTAL_HEALTH_FHIR_PROFILE: FhirSystemProfile = {
  system: 'mental-health',
  organisation: MENTAL_HEALTH_TRUST,
  localIdSystem: `${SANDBOX_FHIR_NAMESPACE}/mental-health/rio-id`,
  localIdName: 'RiO client id',
  resourceTypes: CLINICAL_RESOURCE_TYPES,
  creatable: [],
  conditionCategory: 'problem-list-item',
  medicationCategory: 'community',
};

/** /mental-health: the trust's FHIR R4 API (search and read, care plans included). */
export function mentalHealthRouter(context: SandboxContext): Router {
  return fhirR4Router(new TrustRecords(context, MENTAL_HEALTH_FHIR_PROFILE));
}
