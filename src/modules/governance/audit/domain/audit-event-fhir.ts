/// <reference types="fhir" />
import { NHS_NUMBER_SYSTEM } from '../../../../fhir/index.js';
import type { AuditAction, AuditEventRecord, AuditOutcome } from './audit-event.js';

// An audit row as a FHIR R4 AuditEvent following the IHE Basic Audit Log Patterns (BALP): the
// export privacy officers hand to other systems.

export type R4AuditEvent = fhir4.AuditEvent;

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const PURPOSE_OF_USE = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const AGENT_TYPE = 'http://terminology.hl7.org/CodeSystem/extra-security-role-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
const ROLE_CLASS = 'http://terminology.hl7.org/CodeSystem/v3-RoleClass';
/** CIS2 national RBAC role codes (e.g. S8000:G8000:R8000). */
const NHS_RBAC_ROLE = 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode';
const HUB_ROLE = 'urn:tessera:hub-role';
const ODS_CODE = 'https://fhir.nhs.uk/Id/ods-organization-code';
const TESSERA_AUDIT_ID = 'urn:tessera:audit-event';

/** FHIR's restful interaction for each action, and AuditEvent.action (C R U D E). */
const ACTION_CODES: Record<AuditAction, { subtype: string; action: NonNullable<R4AuditEvent['action']> }> = {
  read: { subtype: 'read', action: 'R' },
  // BALP records a query as Execute.
  search: { subtype: 'search-type', action: 'E' },
  create: { subtype: 'create', action: 'C' },
  update: { subtype: 'update', action: 'U' },
  delete: { subtype: 'delete', action: 'D' },
  execute: { subtype: 'operation', action: 'E' },
};

/**
 * AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure. A denial is the hub working
 * as designed (an HTTP 403), so it is a minor failure; break-glass and self-declared access
 * succeeded and say how in outcomeDesc. 8 would mean the hub itself failed, which is not an
 * access decision and is not recorded here.
 */
const OUTCOME_CODES: Record<AuditOutcome, NonNullable<R4AuditEvent['outcome']>> = {
  allowed: '0',
  'break-glass': '0',
  'self-declared': '0',
  denied: '4',
};

const isHuman = (principalKind: string) => principalKind !== 'service';

export function toFhirAuditEvent(row: AuditEventRecord): R4AuditEvent {
  const codes = ACTION_CODES[row.action];
  const roles: fhir4.CodeableConcept[] = [];
  if (row.roleCode) roles.push({ coding: [{ system: NHS_RBAC_ROLE, code: row.roleCode }] });
  if (row.hubRole) roles.push({ coding: [{ system: HUB_ROLE, code: row.hubRole }] });
  const purposeOfUse = row.purpose ? [{ coding: [{ system: PURPOSE_OF_USE, code: row.purpose }] }] : undefined;

  const agents: fhir4.AuditEventAgent[] = [
    {
      type: {
        coding: [
          isHuman(row.principalKind)
            ? { system: AGENT_TYPE, code: 'humanuser', display: 'human user' }
            : { system: AGENT_TYPE, code: 'dataprocessor', display: 'data processor' },
        ],
      },
      ...(roles.length ? { role: roles } : {}),
      who: {
        identifier: { system: row.issuer, value: row.subject },
        ...(row.agentName ? { display: row.agentName } : {}),
      },
      requestor: true,
      ...(purposeOfUse ? { purposeOfUse } : {}),
    },
  ];
  if (row.organisationCode) {
    agents.push({
      type: { coding: [{ system: AGENT_TYPE, code: 'legalentity', display: 'legal entity' }] },
      who: { identifier: { system: ODS_CODE, value: row.organisationCode } },
      requestor: false,
    });
  }
  if (row.onBehalfOf) {
    // A carer acting for a resident: the resident the access was made for.
    agents.push({
      type: { coding: [{ system: ROLE_CLASS, code: 'PAT', display: 'patient' }] },
      who: { identifier: { system: NHS_NUMBER_SYSTEM, value: row.onBehalfOf } },
      requestor: false,
    });
  }

  const entities: fhir4.AuditEventEntity[] = [
    {
      what: { identifier: { value: row.requestId } },
      type: { system: BALP_ENTITY_TYPE, code: 'XrequestId', display: 'X-Request-Id' },
    },
  ];
  if (row.personId || row.nhsNumber) {
    const details: fhir4.AuditEventEntityDetail[] = [{ type: 'query-kind', valueString: row.queryKind }];
    if (row.sections.length) details.push({ type: 'sections', valueString: row.sections.join(',') });
    if (row.sources.length) details.push({ type: 'sources', valueString: row.sources.join(',') });
    entities.push({
      what: {
        ...(row.personId ? { reference: `Patient/${row.personId}` } : {}),
        ...(row.nhsNumber ? { identifier: { system: NHS_NUMBER_SYSTEM, value: row.nhsNumber } } : {}),
      },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
      detail: details,
    });
  } else {
    // A query that named no single person (a search): the query itself is the entity.
    entities.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      name: row.queryKind,
    });
  }

  return {
    resourceType: 'AuditEvent',
    id: row.id,
    type: { system: DCM, code: '110110', display: 'Patient Record' },
    subtype: [{ system: RESTFUL_INTERACTION, code: codes.subtype }],
    action: codes.action,
    recorded: row.recordedAt.toISOString(),
    outcome: OUTCOME_CODES[row.outcome],
    outcomeDesc: row.outcomeReason ? `${row.outcome}: ${row.outcomeReason}` : row.outcome,
    ...(purposeOfUse ? { purposeOfEvent: purposeOfUse } : {}),
    agent: agents,
    source: {
      observer: { identifier: { system: TESSERA_AUDIT_ID, value: 'tessera' }, display: 'Tessera integrated care record hub' },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: entities,
  };
}
