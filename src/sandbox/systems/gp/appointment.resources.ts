import type { BookedAppointment } from './appointment-book.js';
import { CODE_SYSTEM, EXTENSION, GENERAL_MEDICAL_PRACTITIONER, PROFILE } from './gp-connect.constants.js';
import type { GpPractices, Practice } from './gp-practices.js';
import { scheduleId, type SlotTime } from './slot-calendar.js';
import type { Appointment, Bundle, BundleEntry, CapabilityStatement, Resource, Schedule, Slot } from './stu3-types.js';

// GP Connect appointment management resources (Appointment, Slot, Schedule), shaped like
// ../shared/fixtures/gp-connect/appointments/.

const SERVICE_CATEGORY = 'General GP Appointments';
const SERVICE_TYPE = 'General GP Appointment';
const PRACTITIONER_ROLE_EXTENSION = {
  url: EXTENSION.practitionerRole,
  valueCodeableConcept: { coding: [{ system: CODE_SYSTEM.appointmentJobRoleName, ...GENERAL_MEDICAL_PRACTITIONER }] },
};
const IN_PERSON = { url: EXTENSION.deliveryChannel, valueCode: 'In-person' };

export function slotResource(slot: SlotTime, status: 'free' | 'busy'): Slot {
  return {
    resourceType: 'Slot',
    id: slot.id,
    meta: { versionId: '1', profile: [PROFILE.slot] },
    extension: [IN_PERSON],
    serviceType: [{ text: SERVICE_TYPE }],
    schedule: { reference: `Schedule/${scheduleId(slot.practiceCode, slot.schedule)}` },
    status,
    start: slot.start,
    end: slot.end,
  };
}

/** A session: one of the practice's GPs at its main site, over the searched window. */
export function scheduleResource(
  practices: GpPractices,
  practice: Practice,
  schedule: number,
  horizon: { start: string; end: string },
): Schedule {
  const gp = practices.scheduleGp(practice, schedule);
  return {
    resourceType: 'Schedule',
    id: scheduleId(practice.organisation.code, schedule),
    meta: { versionId: '1', profile: [PROFILE.schedule] },
    extension: [PRACTITIONER_ROLE_EXTENSION],
    serviceCategory: { text: SERVICE_CATEGORY },
    actor: [{ reference: `Location/${practice.locationId}` }, { reference: `Practitioner/${gp.practitionerId}` }],
    planningHorizon: horizon,
  };
}

export function appointmentResource(appointment: BookedAppointment, practices: GpPractices, practice: Practice): Appointment {
  const clinician = appointment.practitioner
    ? practices.clinician(appointment.practiceCode, appointment.practitioner)
    : appointment.slotIds[0]
      ? practices.scheduleGp(practice, scheduleOfSlot(appointment.slotIds[0]))
      : undefined;
  const contained = appointment.bookingOrganisation ? [{ ...appointment.bookingOrganisation, id: '1' } as unknown as Resource] : [];
  return {
    resourceType: 'Appointment',
    id: appointment.id,
    meta: { versionId: String(appointment.version), lastUpdated: appointment.lastUpdated, profile: [PROFILE.appointment] },
    ...(contained.length > 0 ? { contained } : {}),
    extension: [
      ...(appointment.bookingOrganisation ? [{ url: EXTENSION.bookingOrganisation, valueReference: { reference: '#1' } }] : []),
      PRACTITIONER_ROLE_EXTENSION,
      IN_PERSON,
      ...(appointment.cancellationReason ? [{ url: EXTENSION.cancellationReason, valueString: appointment.cancellationReason }] : []),
    ],
    status: appointment.status,
    serviceCategory: { text: SERVICE_CATEGORY },
    serviceType: [{ text: SERVICE_TYPE }],
    description: appointment.description,
    start: appointment.start,
    end: appointment.end,
    ...(appointment.slotIds.length > 0 ? { slot: appointment.slotIds.map((id) => ({ reference: `Slot/${id}` })) } : {}),
    created: appointment.created,
    ...(appointment.comment ? { comment: appointment.comment } : {}),
    participant: [
      { actor: { reference: `Patient/${appointment.patientId}` }, status: 'accepted' },
      { actor: { reference: `Location/${practice.locationId}`, display: practice.organisation.name }, status: 'accepted' },
      ...(clinician
        ? [{ actor: { reference: `Practitioner/${clinician.practitionerId}`, display: clinician.name }, status: 'accepted' }]
        : []),
    ],
  };
}

export function searchset(resources: Array<{ resource: Resource; mode: 'match' | 'include' }>, baseUrl: string, selfUrl: string): Bundle {
  const entry: BundleEntry[] = resources.map(({ resource, mode }) => ({
    fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode },
  }));
  return {
    resourceType: 'Bundle',
    meta: { lastUpdated: new Date().toISOString() },
    type: 'searchset',
    total: resources.filter((item) => item.mode === 'match').length,
    link: [{ relation: 'self', url: selfUrl }],
    entry,
  };
}

export function capabilityStatement(date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    version: '1.6.2',
    name: 'GP Connect',
    status: 'active',
    date,
    publisher: 'Tessera sandbox',
    description: 'The sandbox GP system: GP Connect Access Record: Structured and Appointment Management (FHIR STU3)',
    kind: 'capability',
    software: { name: 'Tessera sandbox GP system', version: '1' },
    fhirVersion: '3.0.1',
    acceptUnknown: 'both',
    format: ['application/fhir+json'],
    profile: Object.values(PROFILE).map((reference) => ({ reference })),
    rest: [
      {
        mode: 'server',
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [{ name: 'identifier', type: 'token', documentation: 'NHS Number (https://fhir.nhs.uk/Id/nhs-number|<number>)' }],
          },
          {
            type: 'Appointment',
            interaction: [{ code: 'read' }, { code: 'create' }, { code: 'update' }, { code: 'search-type' }],
            updateCreate: false,
            searchParam: [{ name: 'start', type: 'date' }],
          },
          {
            type: 'Slot',
            interaction: [{ code: 'search-type' }],
            searchInclude: ['Slot:schedule', 'Schedule:actor:Practitioner', 'Schedule:actor:Location', 'Location:managingOrganization'],
            searchParam: [
              { name: 'start', type: 'date' },
              { name: 'end', type: 'date' },
              { name: 'status', type: 'token' },
              { name: 'searchFilter', type: 'token' },
            ],
          },
        ],
        operation: [
          {
            name: 'gpc.getstructuredrecord',
            definition: {
              reference: 'https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1/_history/1.15',
            },
          },
        ],
      },
    ],
  };
}

function scheduleOfSlot(slotId: string): number {
  return Number(/-(\d)-\d{4}$/.exec(slotId)?.[1] ?? 1);
}
