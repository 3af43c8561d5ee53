import { randomUUID } from 'node:crypto';

import { UnsecuredJWT } from 'jose';

import { NHS_NUMBER_SYSTEM } from '../../../fhir/index.js';
import type { RecordSection } from './source-connector.js';

// What a GP Connect 1.x consumer sends with every request: the Spine Secure Proxy headers and an
// unsigned JWT naming who asks and why (GP Connect "Integration - Cross-organisation audit and
// provenance"), and, for Access Record: Structured, a Parameters body asking for one clinical area.

export const GET_STRUCTURED_RECORD_INTERACTION = 'urn:nhs:names:services:gpconnect:fhir:operation:gpc.getstructuredrecord-1';
export const SEARCH_PATIENTS_INTERACTION = 'urn:nhs:names:services:gpconnect:fhir:rest:search:patient-1';
export const SEARCH_PATIENT_APPOINTMENTS_INTERACTION = 'urn:nhs:names:services:gpconnect:fhir:rest:search:patient_appointments-1';

const ODS_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
const SDS_ROLE_PROFILE_SYSTEM = 'https://fhir.nhs.uk/Id/sds-role-profile-id';
const TOKEN_LIFETIME_SECONDS = 300;

/** The hub as a GP Connect consumer: who it is on Spine and who the request is made for. */
export interface GpConnectConsumer {
  /** The hub's Spine ASID (Ssp-From). */
  asid: string;
  /** The hub's system URL (JWT iss). */
  systemUrl: string;
  organisation: { odsCode: string; name: string };
  device: { system: string; value: string; model: string; version: string };
  /** The user (or, for background sync, the service account) asking. */
  practitioner: { id: string; sdsUserId: string; sdsRoleProfileId: string; family: string; given: string[] };
}

/** The GP Connect JWT (alg none), valid five minutes from now. */
export async function gpConnectJwt(consumer: GpConnectConsumer, audience: string, now: Date = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const { practitioner, organisation, device } = consumer;
  return new UnsecuredJWT({
    reason_for_request: 'directcare',
    requested_scope: 'patient/*.read',
    requesting_device: {
      resourceType: 'Device',
      identifier: [{ system: device.system, value: device.value }],
      model: device.model,
      version: device.version,
    },
    requesting_organization: {
      resourceType: 'Organization',
      identifier: [{ system: ODS_CODE_SYSTEM, value: organisation.odsCode }],
      name: organisation.name,
    },
    requesting_practitioner: {
      resourceType: 'Practitioner',
      id: practitioner.id,
      identifier: [
        { system: SDS_USER_SYSTEM, value: practitioner.sdsUserId },
        { system: SDS_ROLE_PROFILE_SYSTEM, value: practitioner.sdsRoleProfileId },
      ],
      name: [{ family: practitioner.family, given: practitioner.given }],
    },
  })
    .setIssuer(consumer.systemUrl)
    .setSubject(practitioner.id)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
    .encode();
}

/** Headers of one GP Connect interaction; a new trace id each time. */
export async function gpConnectHeaders(
  consumer: GpConnectConsumer,
  providerAsid: string,
  interactionId: string,
  audience: string,
): Promise<Record<string, string>> {
  return {
    'Ssp-TraceID': randomUUID(),
    'Ssp-From': consumer.asid,
    'Ssp-To': providerAsid,
    'Ssp-InteractionID': interactionId,
    Accept: 'application/fhir+json',
    Authorization: `Bearer ${await gpConnectJwt(consumer, audience)}`,
  };
}

interface Parameter {
  name: string;
  valueIdentifier?: { system: string; value: string };
  valueBoolean?: boolean;
  part?: Parameter[];
}

export interface StructuredRecordParameters {
  resourceType: 'Parameters';
  parameter: Parameter[];
}

/**
 * The clinical areas asked for to fill a hub section. Observations come from investigations
 * (test results) and uncategorised data (measurements like blood pressure and weight).
 */
const SECTION_AREAS: Partial<Record<RecordSection, Parameter[]>> = {
  allergies: [{ name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: false }] }],
  medications: [{ name: 'includeMedication', part: [{ name: 'includePrescriptionIssues', valueBoolean: true }] }],
  conditions: [{ name: 'includeProblems' }],
  encounters: [{ name: 'includeConsultations' }],
  observations: [{ name: 'includeInvestigations' }, { name: 'includeUncategorisedData' }],
};

/** Sections Access Record: Structured can fill. */
export const STRUCTURED_RECORD_SECTIONS = Object.keys(SECTION_AREAS) as RecordSection[];

/** The $gpc.getstructuredrecord body for one section (no section: the patient's demographics only). */
export function structuredRecordParameters(nhsNumber: string, section?: RecordSection): StructuredRecordParameters {
  const areas = section ? SECTION_AREAS[section] : [];
  if (!areas) throw new RangeError(`Access Record: Structured holds no ${section} section`);
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } }, ...structuredClone(areas)],
  };
}
