import { emptyHistory } from '../../population/history-lists.js';
import type {
  AllergyItem,
  ClinicalHistory,
  Coding,
  ConditionItem,
  DiagnosticReportItem,
  EncounterItem,
  MedicationItem,
  ObservationItem,
} from '../../population/clinical-history.types.js';
import type { Organisation } from '../../population/population.types.js';
import { CONDITIONS } from '../../population/reference-data/clinical-codes.js';
import {
  CODE_SYSTEM,
  CONSULTATION_LIST,
  EXTENSION,
  ITEM_IDENTIFIER_SYSTEM,
  ODS_CODE_SYSTEM,
  PROFILE,
  SECTION_LIST,
  SNOMED,
  UCUM,
} from './gp-connect.constants.js';
import { stableUuid } from './gp-ids.js';
import type { GpPatient, GpPatients } from './gp-patients.js';
import type { Clinician, GpPractices } from './gp-practices.js';
import type { DatePeriod, ProblemFilter, StructuredRecordRequest } from './structured-record.parameters.js';
import type {
  AllergyIntolerance,
  Bundle,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  Encounter,
  List,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Organization,
  ProcedureRequest,
  Quantity,
  Resource,
  Specimen,
} from './stu3-types.js';

export interface StructuredRecordSources {
  patients: GpPatients;
  practices: GpPractices;
  /** The laboratory that reports the practice's tests (the hospital's pathology service). */
  laboratory: Organisation;
  /** The day the history runs to (the population's reference date): no prescription is issued after it. */
  recordDate: string;
  /** When the record is assembled, for List.date. */
  now: string;
}

/** A repeat prescription is issued every 28 days; GP systems show about a year of issues per authorisation. */
const ISSUE_INTERVAL_DAYS = 28;
const ISSUES_KEPT = 13;
const DAY_MS = 86_400_000;

/** Long-term conditions are major problems; anything else the practice codes is minor. */
const MAJOR_PROBLEM_CODES = new Set<string>(Object.values(CONDITIONS).map((coding) => coding.code));

/**
 * Writes one patient's GP record as a GPConnect-StructuredRecord-Bundle-1: the patient and their
 * practice first, then a List per requested clinical area followed by its resources. A resource
 * another one links to (a problem's medicines, a consultation's problem) is added once, so every
 * reference resolves inside the Bundle.
 */
export function assembleStructuredRecord(
  patient: GpPatient,
  history: ClinicalHistory | undefined,
  request: StructuredRecordRequest,
  sources: StructuredRecordSources,
): Bundle {
  return new StructuredRecordAssembler(patient, history ?? emptyHistory(patient.record.personId), sources).assemble(request);
}

class StructuredRecordAssembler {
  private readonly resources = new Map<string, Resource>();
  private readonly patientReference: string;
  private readonly recorderReference: string;
  private readonly conditionsByCode = new Map<string, ConditionItem>();
  private readonly medicationsByCondition = new Map<string, MedicationItem[]>();
  private readonly observationsById = new Map<string, ObservationItem>();

  constructor(
    private readonly patient: GpPatient,
    private readonly history: ClinicalHistory,
    private readonly sources: StructuredRecordSources,
  ) {
    this.patientReference = `Patient/${patient.record.localId}`;
    this.recorderReference = `PractitionerRole/${patient.usualGp.roleId}`;
    for (const condition of history.conditions) this.conditionsByCode.set(condition.code.code, condition);
    for (const medication of history.medications) {
      if (!medication.reasonConditionId) continue;
      const linked = this.medicationsByCondition.get(medication.reasonConditionId) ?? [];
      linked.push(medication);
      this.medicationsByCondition.set(medication.reasonConditionId, linked);
    }
    for (const observation of history.observations) this.observationsById.set(observation.id, observation);
  }

  assemble(request: StructuredRecordRequest): Bundle {
    const { patients, practices } = this.sources;
    this.add(patients.patientResource(this.patient));
    this.add(practices.organizationResource(this.patient.practice));
    this.add(practices.practitionerResource(this.patient.usualGp));
    this.add(practices.practitionerRoleResource(this.patient.usualGp));

    if (request.allergies) this.allergies(request.allergies.includeResolved);
    if (request.medication) this.medications(request.medication.includeIssues, request.medication.fromDate);
    if (request.problems) this.problems(request.problems);
    if (request.consultations) this.consultations(request.consultations.period, request.consultations.mostRecent);
    if (request.immunisations) finishList(this.openList(SECTION_LIST.immunisations, 'immunisations'));
    if (request.uncategorised) this.uncategorised(request.uncategorised.period);
    if (request.investigations) this.investigations(request.investigations.period);
    if (request.referrals) finishList(this.openList(SECTION_LIST.referrals, 'referrals'));
    if (request.diaryEntries) finishList(this.openList(SECTION_LIST.diaryEntries, 'diary-entries'));

    return {
      resourceType: 'Bundle',
      meta: { profile: [PROFILE.bundle] },
      type: 'collection',
      entry: [...this.resources.values()].map((resource) => ({ resource })),
    };
  }

  // ---- clinical areas

  private allergies(includeResolved: boolean): void {
    const list = this.openList(SECTION_LIST.allergies, 'allergies');
    // The GP record keeps no end to an allergy, so every one is current and the ended List is empty.
    list.entry = newestFirst(this.history.allergies, (allergy) => allergy.onset).map((allergy) => ({
      item: { reference: this.ensureAllergy(allergy) },
    }));
    finishList(list);
    if (includeResolved) finishList(this.openList(SECTION_LIST.endedAllergies, 'ended-allergies'));
  }

  private medications(includeIssues: boolean, fromDate: string | undefined): void {
    const list = this.openList(SECTION_LIST.medications, 'medications');
    const returned = newestFirst(
      this.history.medications.filter((item) => !fromDate || activeUntil(item) >= fromDate),
      (item) => item.start,
    );
    list.entry = returned.map((item) => ({ item: { reference: this.ensureMedicationSummary(item) } }));
    finishList(list);
    if (includeIssues) for (const item of returned) this.ensureIssues(item);
  }

  private problems(filters: ProblemFilter[]): void {
    const list = this.openList(SECTION_LIST.problems, 'problems');
    const matches = (condition: ConditionItem) =>
      filters.some(
        (filter) =>
          (!filter.status || problemStatus(condition) === filter.status) &&
          (!filter.significance || significance(condition) === filter.significance),
      );
    list.entry = newestFirst(this.history.conditions.filter(matches), (condition) => condition.onset).map((condition) => ({
      item: { reference: this.ensureProblem(condition) },
    }));
    finishList(list);
  }

  private consultations(period: DatePeriod | undefined, mostRecent: number | undefined): void {
    let encounters = this.history.encounters.filter(
      (encounter) => within(encounter.start, period) && (!period?.end || !encounter.end || encounter.end.slice(0, 10) <= period.end),
    );
    encounters = newestFirst(encounters, (encounter) => encounter.start);
    if (mostRecent) encounters = encounters.slice(0, mostRecent);
    const list = this.openList(SECTION_LIST.consultations, 'consultations');
    list.entry = encounters.map((encounter) => ({ item: { reference: this.ensureConsultation(encounter) } }));
    finishList(list);
  }

  private uncategorised(period: DatePeriod | undefined): void {
    const list = this.openList(SECTION_LIST.uncategorised, 'uncategorised');
    const observations = this.history.observations.filter((observation) => !observation.reportId && within(observation.effective, period));
    list.entry = newestFirst(observations, (observation) => observation.effective).map((observation) => ({
      item: { reference: this.ensureObservation(observation) },
    }));
    finishList(list);
  }

  private investigations(period: DatePeriod | undefined): void {
    const list = this.openList(SECTION_LIST.investigations, 'investigations');
    const reports = this.history.diagnosticReports.filter((report) => within(report.issued, period));
    list.entry = newestFirst(reports, (report) => report.issued).map((report) => ({
      item: { reference: this.ensureInvestigation(report) },
    }));
    finishList(list);
  }

  // ---- resources, each added once

  private ensureAllergy(item: AllergyItem): string {
    const id = stableUuid(item.id);
    const reference = `AllergyIntolerance/${id}`;
    if (this.resources.has(reference)) return reference;
    const allergy: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id,
      meta: { profile: [PROFILE.allergyIntolerance] },
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: id }],
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      type: 'allergy',
      category: [item.category],
      criticality: item.severity === 'severe' ? 'high' : 'low',
      code: concept(item.substance),
      patient: { reference: this.patientReference },
      onsetDateTime: item.onset,
      assertedDate: item.recordedAt,
      recorder: { reference: this.recorderReference },
      reaction: [{ manifestation: [concept(item.reaction)], severity: item.severity }],
    };
    this.add(allergy);
    return reference;
  }

  /** MedicationStatement, its authorisation (MedicationRequest, intent plan) and the Medication. */
  private ensureMedicationSummary(item: MedicationItem): string {
    const id = stableUuid(`${item.id}|statement`);
    const reference = `MedicationStatement/${id}`;
    if (this.resources.has(reference)) return reference;
    const medicationReference = this.ensureMedication(item.medication);
    const planId = stableUuid(`${item.id}|plan`);
    const issues = issueDates(item, this.sources.recordDate);
    const lastIssue = issues.at(-1);
    const period = { start: item.start, ...(item.end ? { end: item.end } : {}) };
    const statement: MedicationStatement = {
      resourceType: 'MedicationStatement',
      id,
      meta: { profile: [PROFILE.medicationStatement] },
      extension: [
        ...(lastIssue ? [{ url: EXTENSION.medicationStatementLastIssueDate, valueDateTime: lastIssue }] : []),
        {
          url: EXTENSION.prescribingAgency,
          valueCodeableConcept: {
            coding: [{ system: CODE_SYSTEM.prescribingAgency, code: 'prescribed-at-gp-practice', display: 'Prescribed at GP practice' }],
          },
        },
      ],
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: id }],
      basedOn: [{ reference: `MedicationRequest/${planId}` }],
      status: item.status,
      medicationReference: { reference: medicationReference },
      effectivePeriod: period,
      dateAsserted: item.recordedAt,
      subject: { reference: this.patientReference },
      taken: 'unk',
      dosage: [{ text: item.dosage }],
    };
    const plan: MedicationRequest = {
      ...this.medicationRequest(item, planId, medicationReference),
      intent: 'plan',
      status: item.status,
      authoredOn: item.start,
      dispenseRequest: { ...this.dispenseRequest(item), validityPeriod: period },
    };
    if (item.courseType === 'repeat') {
      plan.extension = [
        ...(plan.extension ?? []),
        {
          url: EXTENSION.repeatInformation,
          extension: [{ url: 'numberOfRepeatPrescriptionsIssued', valuePositiveInt: Math.max(1, issues.length) }],
        },
      ];
    }
    this.add(statement);
    this.add(plan);
    return reference;
  }

  /** The prescription issues (MedicationRequest, intent order) of an authorisation. */
  private ensureIssues(item: MedicationItem): void {
    this.ensureMedicationSummary(item);
    const planId = stableUuid(`${item.id}|plan`);
    const medicationReference = `Medication/${stableUuid(`medication|${item.medication.code}`)}`;
    for (const date of issueDates(item, this.sources.recordDate).slice(-ISSUES_KEPT)) {
      const id = stableUuid(`${item.id}|issue|${date}`);
      if (this.resources.has(`MedicationRequest/${id}`)) continue;
      const issue: MedicationRequest = {
        ...this.medicationRequest(item, id, medicationReference),
        intent: 'order',
        status: 'completed',
        basedOn: [{ reference: `MedicationRequest/${planId}` }],
        authoredOn: date,
        dispenseRequest: { ...this.dispenseRequest(item), validityPeriod: { start: date } },
      };
      this.add(issue);
    }
  }

  private medicationRequest(item: MedicationItem, id: string, medicationReference: string): MedicationRequest {
    const type = item.courseType === 'repeat' ? { code: 'repeat', display: 'Repeat' } : { code: 'acute', display: 'Acute' };
    return {
      resourceType: 'MedicationRequest',
      id,
      meta: { profile: [PROFILE.medicationRequest] },
      extension: [
        { url: EXTENSION.prescriptionType, valueCodeableConcept: { coding: [{ system: CODE_SYSTEM.prescriptionType, ...type }] } },
      ],
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: id }],
      intent: 'plan',
      medicationReference: { reference: medicationReference },
      subject: { reference: this.patientReference },
      recorder: { reference: this.recorderReference },
      dosageInstruction: [{ text: item.dosage }],
    };
  }

  private dispenseRequest(item: MedicationItem): NonNullable<MedicationRequest['dispenseRequest']> {
    const quantity: Quantity = {
      value: item.quantity.value,
      unit: item.quantity.unit,
      extension: [{ url: EXTENSION.medicationQuantityText, valueString: `${item.quantity.value} ${item.quantity.unit}` }],
    };
    return { quantity, expectedSupplyDuration: { value: ISSUE_INTERVAL_DAYS, unit: 'day', system: UCUM, code: 'd' } };
  }

  /** Medicines are coded in dm+d, whose concepts GP Connect sends under the SNOMED CT system. */
  private ensureMedication(coding: Coding): string {
    const id = stableUuid(`medication|${coding.code}`);
    const reference = `Medication/${id}`;
    if (!this.resources.has(reference)) {
      const medication: Medication = {
        resourceType: 'Medication',
        id,
        meta: { profile: [PROFILE.medication] },
        code: { coding: [{ system: SNOMED, code: coding.code, display: coding.display }], text: coding.display },
      };
      this.add(medication);
    }
    return reference;
  }

  /** A ProblemHeader (Condition) with its linked medicines, which come into the Bundle with it. */
  private ensureProblem(item: ConditionItem): string {
    const id = stableUuid(item.id);
    const reference = `Condition/${id}`;
    if (this.resources.has(reference)) return reference;
    const linked = this.medicationsByCondition.get(item.id) ?? [];
    const condition: Condition = {
      resourceType: 'Condition',
      id,
      meta: { profile: [PROFILE.problemHeader] },
      extension: [{ url: EXTENSION.problemSignificance, valueCode: significance(item) }],
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: id }],
      clinicalStatus: problemStatus(item),
      category: [{ coding: [{ system: CODE_SYSTEM.conditionCategory, code: 'problem-list-item', display: 'Problem List Item' }] }],
      code: concept(item.code),
      subject: { reference: this.patientReference },
      onsetDateTime: item.onset,
      ...(item.abatement ? { abatementDateTime: item.abatement } : {}),
      assertedDate: item.recordedAt,
      asserter: { reference: `Practitioner/${this.patient.usualGp.practitionerId}` },
    };
    this.add(condition);
    for (const medication of linked) {
      this.ensureMedicationSummary(medication);
      condition.extension!.push({
        url: EXTENSION.relatedClinicalContent,
        valueReference: { reference: `MedicationRequest/${stableUuid(`${medication.id}|plan`)}` },
      });
    }
    return reference;
  }

  /**
   * A consultation: the Encounter, its consultation List and one topic List for what it was
   * about. Items recorded that day (a medicine started, a measurement taken) are filed under it.
   */
  private ensureConsultation(item: EncounterItem): string {
    const id = stableUuid(item.id);
    const reference = `Encounter/${id}`;
    if (this.resources.has(reference)) return reference;
    const clinician = this.sources.practices.clinician(item.organisationCode, item.practitioner);
    const start = Date.parse(item.start);
    const end = item.end ? Date.parse(item.end) : undefined;
    const encounter: Encounter = {
      resourceType: 'Encounter',
      id,
      meta: { profile: [PROFILE.encounter] },
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: id }],
      status: item.end ? 'finished' : 'in-progress',
      type: [{ text: consultationType(item) }],
      subject: { reference: this.patientReference },
      participant: [
        {
          type: [{ coding: [{ system: CODE_SYSTEM.participationType, code: 'PPRF', display: 'primary performer' }] }],
          individual: { reference: this.ensureClinician(clinician) },
        },
      ],
      period: { start: item.start, ...(item.end ? { end: item.end } : {}) },
      ...(end !== undefined ? { length: { value: Math.round((end - start) / 60_000), unit: 'min', system: UCUM, code: 'min' } } : {}),
    };
    this.add(encounter);

    const day = item.start.slice(0, 10);
    const filed = [
      ...this.history.medications
        .filter((medication) => medication.start === day)
        .map((medication) => this.ensureMedicationSummary(medication)),
      ...this.history.observations
        .filter(
          (observation) =>
            !observation.reportId &&
            (observation.encounterId === item.id || (!observation.encounterId && observation.effective.slice(0, 10) === day)),
        )
        .map((observation) => this.ensureObservation(observation)),
    ];
    const problem = item.reason && this.conditionsByCode.get(item.reason.code);
    const topic = this.consultationList(
      `${item.id}|topic`,
      CONSULTATION_LIST.topic,
      item.reason?.display ?? 'Consultation',
      reference,
      filed,
    );
    if (problem) topic.extension = [{ url: EXTENSION.relatedProblemHeader, valueReference: { reference: this.ensureProblem(problem) } }];
    const consultation = this.consultationList(
      `${item.id}|consultation`,
      CONSULTATION_LIST.consultation,
      consultationType(item),
      reference,
      [`List/${topic.id}`],
    );
    this.add(consultation);
    this.add(topic);
    return reference;
  }

  private consultationList(
    key: string,
    code: { code: string; display: string },
    title: string,
    encounter: string,
    references: string[],
  ): List {
    const list: List = {
      ...this.list(stableUuid(key), code, title, references),
      encounter: { reference: encounter },
      orderedBy: { coding: [{ system: CODE_SYSTEM.listOrder, code: 'system', display: 'Sorted by System' }] },
    };
    return finishList(list);
  }

  private ensureObservation(item: ObservationItem): string {
    const id = stableUuid(item.id);
    const reference = `Observation/${id}`;
    if (this.resources.has(reference)) return reference;
    const observation: Observation = {
      resourceType: 'Observation',
      id,
      meta: { profile: [PROFILE.observation] },
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: id }],
      status: 'final',
      code: concept(item.code),
      subject: { reference: this.patientReference },
      effectiveDateTime: item.effective,
      issued: item.effective,
      performer: [{ reference: this.recorderReference }],
      ...observationValues(item),
    };
    this.add(observation);
    return reference;
  }

  /** A laboratory report: DiagnosticReport, the request and specimen behind it, and its results. */
  private ensureInvestigation(item: DiagnosticReportItem): string {
    const id = stableUuid(item.id);
    const reference = `DiagnosticReport/${id}`;
    if (this.resources.has(reference)) return reference;
    const laboratory = this.ensureLaboratory();
    const specimenId = stableUuid(`${item.id}|specimen`);
    const requestId = stableUuid(`${item.id}|request`);
    const results = item.resultIds.map((resultId) => this.observationsById.get(resultId)).filter((result) => result !== undefined);
    const collected = results[0]?.effective ?? item.issued;
    const procedureRequest: ProcedureRequest = {
      resourceType: 'ProcedureRequest',
      id: requestId,
      meta: { profile: [PROFILE.procedureRequest] },
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: requestId }],
      status: 'completed',
      intent: 'order',
      code: concept(item.code),
      subject: { reference: this.patientReference },
      authoredOn: collected,
      requester: { agent: { reference: `Practitioner/${this.patient.usualGp.practitionerId}` } },
      performer: { reference: laboratory },
    };
    const specimen: Specimen = {
      resourceType: 'Specimen',
      id: specimenId,
      meta: { profile: [PROFILE.specimen] },
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: specimenId }],
      status: 'available',
      type: { coding: [{ system: SNOMED, code: '122555007', display: 'Venous blood specimen' }] },
      subject: { reference: this.patientReference },
      collection: { collectedDateTime: collected },
    };
    const resultReferences = results.map((result) => `Observation/${stableUuid(result.id)}`);
    // Several tests from one sample are grouped under a test group header, as pathology systems file them.
    const headerId = results.length > 1 ? stableUuid(`${item.id}|test-group`) : undefined;
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id,
      meta: { profile: [PROFILE.diagnosticReport] },
      identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: id }],
      basedOn: [{ reference: `ProcedureRequest/${requestId}` }],
      status: 'final',
      category: {
        coding: [{ system: 'http://hl7.org/fhir/v2/0074', code: 'PAT', display: 'Pathology (gross & histopath, not surgical)' }],
      },
      code: { coding: [{ system: SNOMED, code: '721981007', display: 'Diagnostic studies report' }], text: item.code.display },
      subject: { reference: this.patientReference },
      effectiveDateTime: collected,
      issued: item.issued,
      performer: [{ actor: { reference: laboratory } }],
      specimen: [{ reference: `Specimen/${specimenId}` }],
      ...(results.length > 0
        ? { result: (headerId ? [`Observation/${headerId}`] : resultReferences).map((target) => ({ reference: target })) }
        : {}),
    };
    this.add(report);
    this.add(procedureRequest);
    this.add(specimen);
    if (headerId) {
      const header: Observation = {
        resourceType: 'Observation',
        id: headerId,
        meta: { profile: [PROFILE.observation] },
        identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: headerId }],
        status: 'final',
        category: [PATHOLOGY],
        code: concept(item.code),
        subject: { reference: this.patientReference },
        effectiveDateTime: collected,
        issued: item.issued,
        performer: [{ reference: laboratory }],
        specimen: { reference: `Specimen/${specimenId}` },
        related: resultReferences.map((target) => ({ type: 'has-member', target: { reference: target } })),
      };
      this.add(header);
    }
    for (const result of results) {
      const resultId = stableUuid(result.id);
      const observation: Observation = {
        resourceType: 'Observation',
        id: resultId,
        meta: { profile: [PROFILE.observation] },
        identifier: [{ system: ITEM_IDENTIFIER_SYSTEM, value: resultId }],
        status: 'final',
        category: [PATHOLOGY],
        code: concept(result.code),
        subject: { reference: this.patientReference },
        effectiveDateTime: result.effective,
        issued: item.issued,
        performer: [{ reference: laboratory }],
        specimen: { reference: `Specimen/${specimenId}` },
        ...(headerId ? { related: [{ type: 'derived-from', target: { reference: `Observation/${headerId}` } }] } : {}),
        ...observationValues(result),
      };
      this.add(observation);
    }
    return reference;
  }

  private ensureClinician(clinician: Clinician): string {
    const reference = `Practitioner/${clinician.practitionerId}`;
    if (!this.resources.has(reference)) this.add(this.sources.practices.practitionerResource(clinician));
    return reference;
  }

  private ensureLaboratory(): string {
    const { laboratory } = this.sources;
    const reference = `Organization/${laboratory.code}`;
    if (!this.resources.has(reference)) {
      const organization: Organization = {
        resourceType: 'Organization',
        id: laboratory.code,
        meta: { versionId: '1', profile: [PROFILE.organization] },
        identifier: [{ system: ODS_CODE_SYSTEM, value: laboratory.code }],
        name: laboratory.name,
        address: [{ use: 'work', line: laboratory.address.lines, city: laboratory.address.town, postalCode: laboratory.address.postcode }],
      };
      this.add(organization);
    }
    return reference;
  }

  // ---- Lists

  /** Adds a clinical area's List ahead of its resources; the caller fills it and calls finishList. */
  private openList(code: { code: string; display: string }, key: string): List {
    const list = this.list(stableUuid(`${this.patient.record.localId}|list|${key}`), code, code.display, []);
    this.add(list);
    return list;
  }

  private list(id: string, code: { code: string; display: string }, title: string, references: string[]): List {
    return {
      resourceType: 'List',
      id,
      meta: { profile: [PROFILE.list] },
      status: 'current',
      mode: 'snapshot',
      title,
      code: { coding: [{ system: SNOMED, code: code.code, display: code.display }] },
      subject: { reference: this.patientReference },
      date: this.sources.now,
      orderedBy: { coding: [{ system: CODE_SYSTEM.listOrder, code: 'event-date', display: 'Sorted by Event Date' }] },
      entry: references.map((reference) => ({ item: { reference } })),
    };
  }

  private add(resource: Resource): void {
    this.resources.set(`${resource.resourceType}/${resource.id}`, resource);
  }
}

const PATHOLOGY: CodeableConcept = { coding: [{ system: SNOMED, code: '394595002', display: 'Pathology' }] };

/** An empty List says why it is empty, as GP Connect requires. */
function finishList(list: List): List {
  if (list.entry && list.entry.length > 0) return list;
  delete list.entry;
  list.emptyReason = { coding: [{ system: CODE_SYSTEM.listEmptyReason, code: 'no-content-recorded', display: 'No Content Recorded' }] };
  list.note = [{ text: 'Information not available.' }];
  return list;
}

function concept(coding: Coding): CodeableConcept {
  return { coding: [{ system: coding.system, code: coding.code, display: coding.display }], text: coding.display };
}

function observationValues(item: ObservationItem): Partial<Observation> {
  const values: Partial<Observation> = {};
  if (item.value !== undefined) values.valueQuantity = quantity(item.value, item.unit);
  if (item.components)
    values.component = item.components.map((component) => ({
      code: concept(component.code),
      valueQuantity: quantity(component.value, component.unit),
    }));
  if (item.referenceRange) {
    const { low, high } = item.referenceRange;
    values.referenceRange = [
      {
        ...(low !== undefined ? { low: quantity(low, item.unit) } : {}),
        ...(high !== undefined ? { high: quantity(high, item.unit) } : {}),
      },
    ];
  }
  return values;
}

function quantity(value: number, unit: string | undefined): Quantity {
  return unit ? { value, unit, system: UCUM, code: unit } : { value };
}

function significance(condition: ConditionItem): 'major' | 'minor' {
  return MAJOR_PROBLEM_CODES.has(condition.code.code) ? 'major' : 'minor';
}

/** GP Connect problems are active or inactive. */
function problemStatus(condition: ConditionItem): 'active' | 'inactive' {
  return condition.clinicalStatus === 'active' ? 'active' : 'inactive';
}

function consultationType(item: EncounterItem): string {
  return item.type === 'gp-consultation' ? 'Surgery Consultation' : item.type.replace(/-/g, ' ');
}

/** Lists are ordered by event date, the most recent first. */
function newestFirst<T>(items: T[], date: (item: T) => string): T[] {
  return [...items].sort((a, b) => (date(a) < date(b) ? 1 : date(a) > date(b) ? -1 : 0));
}

/** Whether a date or date-time falls in a search period of whole dates (both ends inclusive). */
function within(value: string, period: DatePeriod | undefined): boolean {
  const day = value.slice(0, 10);
  return (!period?.start || day >= period.start) && (!period?.end || day <= period.end);
}

/**
 * The last day a medicine counts as active for medicationSearchFromDate: its end, or for an
 * open acute its start, and for an open repeat it is still going.
 */
function activeUntil(item: MedicationItem): string {
  if (item.end) return item.end;
  return item.courseType === 'repeat' ? '9999-12-31' : item.start;
}

/** The days a prescription was issued: once for an acute course, every 28 days for a repeat. */
function issueDates(item: MedicationItem, recordDate: string): string[] {
  const first = Date.parse(`${item.start}T00:00:00Z`);
  if (item.courseType !== 'repeat') return [item.start];
  const last = Date.parse(`${item.end && item.end < recordDate ? item.end : recordDate}T00:00:00Z`);
  const dates: string[] = [];
  for (let time = first; time <= last; time += ISSUE_INTERVAL_DAYS * DAY_MS) dates.push(new Date(time).toISOString().slice(0, 10));
  return dates;
}
