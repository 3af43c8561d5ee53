import type {
  AllergyIntolerance,
  Appointment,
  CarePlan,
  CodeableConcept,
  Coding as FhirCoding,
  Condition,
  DiagnosticReport,
  Encounter,
  Identifier,
  Meta,
  MedicationRequest,
  Observation,
  Patient,
  Quantity,
  Reference,
} from './r4-types.js';

import type {
  AllergyItem,
  AppointmentItem,
  CareItemOf,
  CarePlanItem,
  Coding,
  ConditionItem,
  DiagnosticReportItem,
  EncounterItem,
  EncounterType,
  MedicationItem,
  ObservationItem,
} from '../../population/clinical-history.types.js';
import type { Organisation, Person } from '../../population/population.types.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import {
  ACT_CODE,
  ADMISSION_METHOD_EXTENSION,
  ADMISSION_METHOD_SYSTEM,
  ADMIT_SOURCE,
  ALLERGY_CLINICAL,
  ALLERGY_VERIFICATION,
  CONDITION_CATEGORY,
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  COURSE_OF_THERAPY,
  DIAGNOSTIC_SERVICE_SECTION,
  LOINC,
  LOINC_FOR_SNOMED,
  MEDICATION_REQUEST_CATEGORY,
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_EXTENSION,
  NHS_NUMBER_VERIFICATION_SYSTEM,
  NOT_TRACED,
  OBSERVATION_CATEGORY,
  ODS_ORGANISATION_SYSTEM,
  PARTICIPATION_TYPE,
  SNOMED,
  UCUM,
  ukCoreProfile,
  VERIFIED,
} from './code-systems.js';
import { fhirDateTime, fhirInstant } from './fhir-dates.js';
import { itemResourceId } from './fhir-ids.js';
import { systemSourceUri, type FhirSystemProfile } from './fhir-system.js';
import { itemChangedAtText } from './last-updated.js';

/** The patient a clinical resource is rendered for, and which item ids it may reference. */
export interface PatientScope {
  record: SystemRecord;
  patientId: string;
  /** Ids of the care items this system holds for the patient: references never dangle. */
  knownItemIds: ReadonlySet<string>;
}

const ENCOUNTER_CLASS: Record<EncounterType, { code: string; display: string }> = {
  'gp-consultation': { code: 'AMB', display: 'ambulatory' },
  'ae-attendance': { code: 'EMER', display: 'emergency' },
  'inpatient-admission': { code: 'IMP', display: 'inpatient encounter' },
  outpatient: { code: 'AMB', display: 'ambulatory' },
  'mental-health-contact': { code: 'AMB', display: 'ambulatory' },
  'social-care-visit': { code: 'HH', display: 'home health' },
};

const ENCOUNTER_TYPE: Record<EncounterType, { code: string; display: string }> = {
  'gp-consultation': { code: '11429006', display: 'Consultation' },
  'ae-attendance': { code: '4525004', display: 'Emergency department patient visit' },
  'inpatient-admission': { code: '32485007', display: 'Hospital admission' },
  outpatient: { code: '11429006', display: 'Consultation' },
  'mental-health-contact': { code: '308335008', display: 'Patient encounter procedure' },
  'social-care-visit': { code: '439708006', display: 'Home visit' },
};

const CARE_PLAN_CATEGORY_SYSTEM = 'https://fhir.sandbox.tessera.example/CodeSystem/care-plan-category';
const CARE_PLAN_CATEGORY: Record<CarePlanItem['category'], { display: string; snomed?: { code: string; display: string } }> = {
  'long-term-condition': { display: 'Long-term condition care plan' },
  'mental-health-crisis': { display: 'Mental health crisis plan', snomed: { code: '718347000', display: 'Mental health crisis plan' } },
  'social-care-support': { display: 'Social care support plan' },
};

/**
 * Renders a trust's records and the population's care facts as R4 resources in UK Core's shapes.
 * Demographics come from the trust's own record of the patient, errors and all.
 */
export class R4ResourceRenderer {
  private readonly source: string;
  private readonly organisations: Map<string, Organisation>;

  constructor(
    private readonly profile: FhirSystemProfile,
    organisations: readonly Organisation[],
    private readonly people: ReadonlyMap<string, Person>,
  ) {
    this.source = systemSourceUri(profile);
    this.organisations = new Map(organisations.map((organisation) => [organisation.code, organisation]));
  }

  /** lastUpdated: when the trust's record last changed (TrustRecords.lastUpdatedOf). */
  patient(record: SystemRecord, patientId: string, lastUpdated: string): Patient {
    const identifier: Identifier[] = [
      {
        use: 'usual',
        type: { text: this.profile.localIdName },
        system: this.profile.localIdSystem,
        value: record.localId,
        assigner: this.organisationReference(this.profile.organisation.code),
      },
    ];
    if (record.nhsNumber) {
      const status = nhsNumberVerification(record);
      identifier.push({
        extension: [
          {
            url: NHS_NUMBER_VERIFICATION_EXTENSION,
            valueCodeableConcept: { coding: [{ system: NHS_NUMBER_VERIFICATION_SYSTEM, ...status }] },
          },
        ],
        use: 'official',
        system: NHS_NUMBER_SYSTEM,
        value: record.nhsNumber,
      });
    }
    const practiceCode = this.people.get(record.personId)?.gp?.practiceCode;
    return {
      resourceType: 'Patient',
      id: patientId,
      meta: { versionId: '1', lastUpdated, source: this.source, profile: [ukCoreProfile('Patient')] },
      identifier,
      active: true,
      name: [
        {
          use: 'official',
          family: record.family,
          given: record.middle ? [record.given, record.middle] : [record.given],
          ...(record.title ? { prefix: [record.title] } : {}),
        },
      ],
      ...(record.phone ? { telecom: [{ system: 'phone' as const, value: record.phone, use: 'home' as const }] } : {}),
      gender: record.sex,
      birthDate: record.birthDate,
      ...(record.deathDate ? { deceasedDateTime: fhirDateTime(record.deathDate) } : {}),
      address: [
        {
          use: 'home',
          type: 'both',
          line: record.address.lines,
          city: record.address.town,
          postalCode: record.address.postcode,
        },
      ],
      ...(practiceCode ? { generalPractitioner: [this.organisationReference(practiceCode)] } : {}),
      managingOrganization: this.organisationReference(this.profile.organisation.code),
    };
  }

  allergy(item: AllergyItem, scope: PatientScope): AllergyIntolerance {
    return {
      resourceType: 'AllergyIntolerance',
      ...this.itemHeader('AllergyIntolerance', item, scope),
      clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active', display: 'Active' }] },
      verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
      type: 'allergy',
      category: [item.category],
      criticality: item.severity === 'severe' ? 'high' : 'low',
      code: concept(item.substance),
      patient: patientReference(scope),
      onsetDateTime: fhirDateTime(item.onset),
      recordedDate: fhirDateTime(item.recordedAt),
      recorder: this.organisationReference(item.organisationCode),
      reaction: [{ manifestation: [concept(item.reaction)], severity: item.severity }],
    };
  }

  medicationRequest(item: MedicationItem, scope: PatientScope): MedicationRequest {
    const category =
      item.courseType === 'inpatient'
        ? { code: 'inpatient', display: 'Inpatient' }
        : this.profile.medicationCategory === 'outpatient'
          ? { code: 'outpatient', display: 'Outpatient' }
          : { code: 'community', display: 'Community' };
    const course =
      item.courseType === 'repeat'
        ? { code: 'continuous', display: 'Continuous long term therapy' }
        : { code: 'acute', display: 'Short course (acute) therapy' };
    const reason = this.itemReference('Condition', item.reasonConditionId, scope);
    return {
      resourceType: 'MedicationRequest',
      ...this.itemHeader('MedicationRequest', item, scope),
      status: item.status,
      intent: 'order',
      category: [{ coding: [{ system: MEDICATION_REQUEST_CATEGORY, ...category }] }],
      medicationCodeableConcept: concept(item.medication),
      subject: patientReference(scope),
      authoredOn: fhirDateTime(item.start),
      requester: this.organisationReference(item.organisationCode),
      ...(reason ? { reasonReference: [reason] } : {}),
      courseOfTherapyType: { coding: [{ system: COURSE_OF_THERAPY, ...course }] },
      dosageInstruction: [{ text: item.dosage }],
      dispenseRequest: {
        validityPeriod: { start: fhirDateTime(item.start), ...(item.end ? { end: fhirDateTime(item.end) } : {}) },
        quantity: { value: item.quantity.value, unit: item.quantity.unit },
      },
    };
  }

  condition(item: ConditionItem, scope: PatientScope): Condition {
    const resolved = item.clinicalStatus === 'resolved';
    const category =
      this.profile.conditionCategory === 'encounter-diagnosis'
        ? { code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }
        : { code: 'problem-list-item', display: 'Problem List Item' };
    return {
      resourceType: 'Condition',
      ...this.itemHeader('Condition', item, scope),
      clinicalStatus: {
        coding: [{ system: CONDITION_CLINICAL, code: item.clinicalStatus, display: resolved ? 'Resolved' : 'Active' }],
      },
      verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
      category: [{ coding: [{ system: CONDITION_CATEGORY, ...category }] }],
      code: concept(item.code),
      subject: patientReference(scope),
      onsetDateTime: fhirDateTime(item.onset),
      // con-4: an abatement only on a condition that is no longer active.
      ...(resolved && item.abatement ? { abatementDateTime: fhirDateTime(item.abatement) } : {}),
      recordedDate: fhirDateTime(item.recordedAt),
    };
  }

  observation(item: ObservationItem, scope: PatientScope): Observation {
    const encounter = this.itemReference('Encounter', item.encounterId, scope);
    const range = item.referenceRange;
    const resource: Observation = {
      resourceType: 'Observation',
      ...this.itemHeader('Observation', item, scope),
      status: 'final',
      category: [
        {
          coding: [
            {
              system: OBSERVATION_CATEGORY,
              code: item.category,
              display: CATEGORY_DISPLAY[item.category],
            },
          ],
        },
      ],
      code: observableConcept(item.code),
      subject: patientReference(scope),
      ...(encounter ? { encounter } : {}),
      effectiveDateTime: fhirDateTime(item.effective),
      issued: fhirInstant(item.recordedAt),
      performer: [this.organisationReference(item.organisationCode)],
    };
    if (item.value !== undefined) resource.valueQuantity = quantity(item.value, item.unit);
    if (range && (range.low !== undefined || range.high !== undefined)) {
      resource.referenceRange = [
        {
          ...(range.low !== undefined ? { low: quantity(range.low, item.unit) } : {}),
          ...(range.high !== undefined ? { high: quantity(range.high, item.unit) } : {}),
        },
      ];
    }
    if (item.components?.length) {
      resource.component = item.components.map((component) => ({
        code: observableConcept(component.code),
        valueQuantity: quantity(component.value, component.unit),
      }));
    }
    return resource;
  }

  diagnosticReport(item: DiagnosticReportItem, scope: PatientScope): DiagnosticReport {
    const encounter = this.itemReference('Encounter', item.encounterId, scope);
    const results = item.resultIds
      .map((id) => this.itemReference('Observation', id, scope))
      .filter((reference): reference is Reference => reference !== undefined);
    return {
      resourceType: 'DiagnosticReport',
      ...this.itemHeader('DiagnosticReport', item, scope),
      status: 'final',
      category: [{ coding: [{ system: DIAGNOSTIC_SERVICE_SECTION, code: 'LAB', display: 'Laboratory' }] }],
      code: concept(item.code),
      subject: patientReference(scope),
      ...(encounter ? { encounter } : {}),
      effectiveDateTime: fhirDateTime(item.issued),
      issued: fhirInstant(item.issued),
      performer: [this.organisationReference(item.organisationCode)],
      ...(results.length ? { result: results } : {}),
    };
  }

  encounter(item: EncounterItem, scope: PatientScope, now: Date): Encounter {
    const encounterClass = ENCOUNTER_CLASS[item.type];
    const type = ENCOUNTER_TYPE[item.type];
    const started = Date.parse(fhirInstant(item.start));
    const status = item.end ? 'finished' : started > now.getTime() ? 'planned' : 'in-progress';
    const resource: Encounter = {
      resourceType: 'Encounter',
      ...this.itemHeader('Encounter', item, scope),
      status,
      class: { system: ACT_CODE, ...encounterClass },
      type: [{ coding: [{ system: SNOMED, ...type }], text: type.display }],
      subject: patientReference(scope),
      participant: [
        {
          type: [{ coding: [{ system: PARTICIPATION_TYPE, code: 'ATND', display: 'attender' }] }],
          individual: { display: item.practitioner },
        },
      ],
      period: { start: fhirDateTime(item.start), ...(item.end ? { end: fhirDateTime(item.end) } : {}) },
      ...(item.reason ? { reasonCode: [concept(item.reason)] } : {}),
      location: [{ location: { display: item.ward ? `${item.ward}, ${item.location}` : item.location } }],
      serviceProvider: this.organisationReference(item.organisationCode),
    };
    if (item.type === 'inpatient-admission') {
      const viaEmergencyDepartment = item.admittedFromId !== undefined;
      resource.hospitalization = {
        extension: [
          {
            url: ADMISSION_METHOD_EXTENSION,
            valueCodeableConcept: {
              coding: [
                viaEmergencyDepartment
                  ? {
                      system: ADMISSION_METHOD_SYSTEM,
                      code: '21',
                      display: 'Emergency Admission: Emergency Care Department or dental casualty department of the Health Care Provider',
                    }
                  : { system: ADMISSION_METHOD_SYSTEM, code: '11', display: 'Elective Admission: Waiting list' },
              ],
            },
          },
        ],
        ...(viaEmergencyDepartment
          ? { admitSource: { coding: [{ system: ADMIT_SOURCE, code: 'emd', display: 'From accident/emergency department' }] } }
          : {}),
        ...(item.dischargeDisposition ? { dischargeDisposition: concept(item.dischargeDisposition) } : {}),
      };
    }
    return resource;
  }

  appointment(item: AppointmentItem, scope: PatientScope): Appointment {
    const minutes = Math.round((Date.parse(fhirInstant(item.end)) - Date.parse(fhirInstant(item.start))) / 60_000);
    return {
      resourceType: 'Appointment',
      ...this.itemHeader('Appointment', item, scope),
      status: item.status,
      serviceType: [{ text: item.service }],
      description: item.description,
      start: fhirInstant(item.start),
      end: fhirInstant(item.end),
      ...(minutes > 0 ? { minutesDuration: minutes } : {}),
      created: fhirDateTime(item.recordedAt),
      participant: [
        { actor: patientReference(scope), required: 'required', status: 'accepted' },
        {
          type: [{ coding: [{ system: PARTICIPATION_TYPE, code: 'ATND', display: 'attender' }] }],
          actor: { display: item.practitioner },
          required: 'required',
          status: 'accepted',
        },
        { actor: { display: item.location }, required: 'required', status: 'accepted' },
      ],
    };
  }

  carePlan(item: CarePlanItem, scope: PatientScope): CarePlan {
    const category = CARE_PLAN_CATEGORY[item.category];
    const coding: FhirCoding[] = [{ system: CARE_PLAN_CATEGORY_SYSTEM, code: item.category, display: category.display }];
    if (category.snomed) coding.unshift({ system: SNOMED, ...category.snomed });
    const addresses = item.addressesConditionIds
      .map((id) => this.itemReference('Condition', id, scope))
      .filter((reference): reference is Reference => reference !== undefined);
    return {
      resourceType: 'CarePlan',
      ...this.itemHeader('CarePlan', item, scope),
      status: item.status,
      intent: 'plan',
      category: [{ coding, text: category.display }],
      title: item.title,
      description: item.description,
      subject: patientReference(scope),
      period: { start: fhirDateTime(item.start), ...(item.end ? { end: fhirDateTime(item.end) } : {}) },
      created: fhirDateTime(item.recordedAt),
      author: this.organisationReference(item.organisationCode),
      ...(addresses.length ? { addresses } : {}),
      ...(item.activities.length
        ? {
            activity: item.activities.map((description) => ({
              detail: { status: item.status === 'active' ? ('in-progress' as const) : ('completed' as const), description },
            })),
          }
        : {}),
    };
  }

  organisationReference(code: string): Reference {
    const organisation = this.organisations.get(code);
    return {
      type: 'Organization',
      identifier: { system: ODS_ORGANISATION_SYSTEM, value: code },
      ...(organisation ? { display: organisation.name } : {}),
    };
  }

  private itemHeader(resourceType: string, item: CareItemOf, scope: PatientScope): { id: string; meta: Meta; identifier: Identifier[] } {
    const id = itemResourceId(scope.patientId, scope.record.personId, item.id);
    return {
      id,
      meta: {
        versionId: '1',
        lastUpdated: fhirInstant(itemChangedAtText(item)),
        source: this.source,
        profile: [ukCoreProfile(resourceType)],
      },
      identifier: [{ system: `${this.source}/${resourceType.toLowerCase()}`, value: id }],
    };
  }

  private itemReference(resourceType: string, itemId: string | undefined, scope: PatientScope): Reference | undefined {
    if (!itemId || !scope.knownItemIds.has(itemId)) return undefined;
    return { reference: `${resourceType}/${itemResourceId(scope.patientId, scope.record.personId, itemId)}` };
  }
}

function patientReference(scope: PatientScope): Reference {
  return { reference: `Patient/${scope.patientId}` };
}

function concept(coding: Coding): CodeableConcept {
  return { coding: [{ system: coding.system, code: coding.code, display: coding.display }], text: coding.display };
}

/** SNOMED CT first, with LOINC alongside where the observable has a well-known LOINC code. */
function observableConcept(coding: Coding): CodeableConcept {
  const result = concept(coding);
  const loinc = coding.system === SNOMED ? LOINC_FOR_SNOMED.get(coding.code) : undefined;
  if (loinc) result.coding?.push({ system: LOINC, ...loinc });
  return result;
}

function quantity(value: number, unit: string | undefined): Quantity {
  return unit ? { value, unit, system: UCUM, code: unit } : { value };
}

/**
 * Most numbers a trust holds were traced against PDS; a few were typed in and never traced, and a
 * wrong number is more often untraced than not. Decided by a hash of the local id so it is stable.
 */
function nhsNumberVerification(record: SystemRecord): { code: string; display: string } {
  const draw = hash(record.localId) % 100;
  const untraced = record.errors.includes('wrong-nhs-number') ? draw < 50 : draw < 3;
  return untraced ? NOT_TRACED : VERIFIED;
}

function hash(value: string): number {
  let result = 2166136261;
  for (let index = 0; index < value.length; index += 1) {
    result ^= value.charCodeAt(index);
    result = Math.imul(result, 16777619);
  }
  return result >>> 0;
}

const CATEGORY_DISPLAY: Record<ObservationItem['category'], string> = {
  'vital-signs': 'Vital Signs',
  laboratory: 'Laboratory',
  survey: 'Survey',
};
