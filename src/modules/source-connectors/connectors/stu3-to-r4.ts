import type { R4Resource } from '../../../fhir/index.js';

// GP Connect answers in FHIR STU3 (3.0.1, CareConnect profiles); the hub speaks R4. These pure
// functions apply the published STU3 → R4 differences to the resources GP Connect returns:
// status codes that became CodeableConcepts, renamed elements (context → encounter,
// assertedDate → recordedDate), single values that became lists, ProcedureRequest and
// ReferralRequest folded into ServiceRequest, and the HL7 code systems that moved to
// terminology.hl7.org. CareConnect extensions are kept as they are (their URLs name them);
// STU3 profile claims are dropped, since an R4 resource no longer conforms to them.

type Json = Record<string, unknown>;

export interface ConversionResult {
  /** R4 resources, each with meta.source set. */
  resources: R4Resource[];
  /** Resources not converted, counted by a reason (`<resourceType>: <why>`); never their content. */
  skipped: Record<string, number>;
  /** Spine warning codes the bundle carried in OperationOutcome entries (e.g. DATA_IN_TRANSIT). */
  warnings: string[];
  /** Structural defects worked around, counted (e.g. an entry that is a bare resource). */
  defects: Record<string, number>;
}

/** STU3 types whose R4 counterpart this module builds. */
export const CONVERTED_TYPES = [
  'Patient',
  'AllergyIntolerance',
  'MedicationStatement',
  'MedicationRequest',
  'Medication',
  'Condition',
  'Encounter',
  'Observation',
  'DiagnosticReport',
  'ProcedureRequest',
  'ReferralRequest',
  'Specimen',
  'List',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Immunization',
  'Appointment',
  'Slot',
  'Schedule',
] as const;

const CONVERTERS: Record<string, (resource: Json) => Json> = {
  Patient: convertPatient,
  AllergyIntolerance: convertAllergyIntolerance,
  MedicationStatement: convertMedicationStatement,
  MedicationRequest: convertMedicationRequest,
  Medication: convertMedication,
  Condition: convertCondition,
  Encounter: convertEncounter,
  Observation: convertObservation,
  DiagnosticReport: convertDiagnosticReport,
  ProcedureRequest: convertProcedureRequest,
  ReferralRequest: convertReferralRequest,
  Specimen: (resource) => resource,
  List: (resource) => resource,
  Organization: (resource) => resource,
  Practitioner: (resource) => resource,
  PractitionerRole: (resource) => resource,
  Location: (resource) => resource,
  Immunization: convertImmunization,
  Appointment: convertAppointment,
  Slot: (resource) => listify(resource, 'serviceCategory'),
  Schedule: (resource) => listify(resource, 'serviceCategory'),
};

/** Thrown for a resource that cannot be converted; the message names the type and element only. */
export class Stu3ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Stu3ConversionError';
  }
}

/**
 * One STU3 resource as R4, with meta.source set to `source`; undefined for a type with no R4
 * counterpart here (the caller counts it).
 */
export function convertStu3Resource(resource: unknown, source: string, defects: Record<string, number> = {}): R4Resource | undefined {
  if (!isObject(resource) || typeof resource.resourceType !== 'string') throw new Stu3ConversionError('not a FHIR resource');
  const convert = CONVERTERS[resource.resourceType];
  if (!convert) return undefined;
  const copy = normaliseTree(structuredClone(resource), defects) as Json;
  repairSingleValues(copy, defects);
  const converted = convert(copy);
  if (Array.isArray(converted.contained)) {
    converted.contained = converted.contained.flatMap((inner) => {
      const r4 = convertStu3Resource(inner, source, defects);
      if (r4?.meta) delete r4.meta.source; // contained resources take the container's meta
      return r4 ? [r4] : [];
    });
  }
  const missing = (REQUIRED[String(converted.resourceType)] ?? []).filter(
    (element) =>
      !Object.keys(converted).some((key) => key === element || (element.endsWith('[x]') && key.startsWith(element.slice(0, -3)))),
  );
  if (missing.length > 0) throw new Stu3ConversionError(`missing required ${missing.join(', ')}`);
  converted.meta = withSource(converted.meta, source);
  return converted as unknown as R4Resource;
}

/** Elements R4 requires (min 1) of the types made here; a resource without them is skipped, not invented. */
const REQUIRED: Record<string, string[]> = {
  AllergyIntolerance: ['patient'],
  MedicationStatement: ['status', 'medication[x]', 'subject'],
  MedicationRequest: ['status', 'intent', 'medication[x]', 'subject'],
  Condition: ['subject'],
  Encounter: ['status'],
  Observation: ['status', 'code'],
  DiagnosticReport: ['status', 'code'],
  ServiceRequest: ['status', 'intent', 'subject'],
  List: ['status', 'mode'],
  Immunization: ['status', 'vaccineCode', 'patient'],
  Appointment: ['status', 'participant'],
  Slot: ['schedule', 'status', 'start', 'end'],
  Schedule: ['actor'],
};

/** Elements that repeat in both STU3 and R4 but that some providers send as a single value. */
const REPEATING: Record<string, string[]> = {
  Patient: ['identifier', 'name', 'telecom', 'address', 'generalPractitioner'],
  Practitioner: ['identifier', 'name', 'telecom', 'address'],
  Organization: ['identifier', 'telecom', 'address'],
  Location: ['identifier', 'telecom'],
};

function repairSingleValues(resource: Json, defects: Record<string, number>): void {
  for (const key of REPEATING[String(resource.resourceType)] ?? []) {
    if (resource[key] !== undefined && !Array.isArray(resource[key])) {
      resource[key] = [resource[key]];
      count(defects, `${String(resource.resourceType)}.${key} not a list`);
    }
  }
  // Request types: an `occurrence` without its type suffix.
  if (resource.occurrence !== undefined) {
    const occurrence = resource.occurrence;
    delete resource.occurrence;
    if (typeof occurrence === 'string') resource.occurrenceDateTime = occurrence;
    else if (isObject(occurrence)) resource.occurrencePeriod = occurrence;
    count(defects, `${String(resource.resourceType)}.occurrence without type`);
  }
}

/**
 * Every resource of a GP Connect Bundle (structured record `collection` or a `searchset`) as R4.
 * OperationOutcome entries become warnings; types with no R4 counterpart are skipped and counted.
 */
export function convertStu3Bundle(bundle: unknown, source: string): ConversionResult {
  if (!isObject(bundle) || bundle.resourceType !== 'Bundle') throw new Stu3ConversionError('the response is not a FHIR Bundle');
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw new Stu3ConversionError('Bundle.entry is not an array');
  const result: ConversionResult = { resources: [], skipped: {}, warnings: [], defects: {} };
  for (const entry of (bundle.entry ?? []) as unknown[]) {
    let resource: unknown;
    if (isObject(entry) && isObject(entry.resource)) {
      resource = entry.resource;
    } else if (isObject(entry) && typeof entry.resourceType === 'string') {
      // Seen in the published examples: a resource placed straight in the entry, without `resource`.
      resource = entry;
      count(result.defects, 'entry without resource wrapper');
    } else {
      count(result.skipped, 'entry: no resource');
      continue;
    }
    const type = (resource as Json).resourceType;
    if (type === 'OperationOutcome') {
      result.warnings.push(...warningCodes(resource as Json));
      continue;
    }
    try {
      const converted = convertStu3Resource(resource, source, result.defects);
      if (converted) result.resources.push(converted);
      else count(result.skipped, `${String(type)}: no R4 mapping`);
    } catch (error) {
      if (!(error instanceof Stu3ConversionError)) throw error;
      count(result.skipped, `${String(type)}: ${error.message}`);
    }
  }
  return result;
}

// ---- per resource

function convertPatient(patient: Json): Json {
  delete patient.animal;
  return patient;
}

const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

function convertAllergyIntolerance(allergy: Json): Json {
  rename(allergy, 'assertedDate', 'recordedDate');
  codeToConcept(allergy, 'clinicalStatus', ALLERGY_CLINICAL);
  codeToConcept(allergy, 'verificationStatus', ALLERGY_VERIFICATION);
  // R4 (ait-1, ait-2): an entered-in-error allergy has no clinical status; otherwise one is required.
  const verification = conceptCode(allergy.verificationStatus);
  if (verification === 'entered-in-error') delete allergy.clinicalStatus;
  else if (!allergy.clinicalStatus && !allergy.verificationStatus) allergy.clinicalStatus = concept(ALLERGY_CLINICAL, 'active');
  for (const reaction of arrayOf(allergy.reaction)) delete reaction.certainty;
  return allergy;
}

const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

function convertCondition(condition: Json): Json {
  rename(condition, 'assertedDate', 'recordedDate');
  rename(condition, 'context', 'encounter');
  if (condition.verificationStatus === 'unknown') condition.verificationStatus = 'unconfirmed';
  if (condition.abatementBoolean !== undefined) {
    // R4 dropped abatementBoolean; a true value means the condition is over.
    if (condition.abatementBoolean === true && !condition.clinicalStatus) condition.clinicalStatus = 'resolved';
    delete condition.abatementBoolean;
  }
  codeToConcept(condition, 'clinicalStatus', CONDITION_CLINICAL);
  codeToConcept(condition, 'verificationStatus', CONDITION_VERIFICATION);
  if (conceptCode(condition.verificationStatus) === 'entered-in-error') delete condition.clinicalStatus;
  // R4 con-4: an abated condition is not active.
  const hasAbatement = Object.keys(condition).some((key) => key.startsWith('abatement'));
  if (hasAbatement && ['active', 'recurrence', 'relapse'].includes(conceptCode(condition.clinicalStatus) ?? '')) {
    condition.clinicalStatus = concept(CONDITION_CLINICAL, 'inactive');
  }
  return condition;
}

function convertMedicationStatement(statement: Json): Json {
  const taken = statement.taken;
  delete statement.taken;
  if (taken === 'n' && statement.status !== 'entered-in-error') statement.status = 'not-taken';
  rename(statement, 'reasonNotTaken', 'statusReason');
  for (const dosage of arrayOf(statement.dosage)) convertDosage(dosage);
  return statement;
}

function convertMedicationRequest(request: Json): Json {
  rename(request, 'context', 'encounter');
  flattenRequester(request);
  listify(request, 'category');
  delete request.definition;
  const substitution = request.substitution;
  if (isObject(substitution)) rename(substitution, 'allowed', 'allowedBoolean');
  for (const dosage of arrayOf(request.dosageInstruction)) convertDosage(dosage);
  return request;
}

function convertMedication(medication: Json): Json {
  delete medication.isBrand;
  delete medication.isOverTheCounter;
  delete medication.image;
  for (const ingredient of arrayOf(medication.ingredient)) rename(ingredient, 'amount', 'strength');
  const pack = medication.package;
  delete medication.package;
  const batch = isObject(pack) ? arrayOf(pack.batch)[0] : undefined;
  if (batch) medication.batch = batch;
  return medication;
}

function convertEncounter(encounter: Json): Json {
  rename(encounter, 'reason', 'reasonCode');
  rename(encounter, 'incomingReferral', 'basedOn');
  listify(encounter, 'appointment');
  // R4 requires Encounter.class; GP Connect consultations often leave it out, and guessing the
  // setting (surgery, home, telephone) would be wrong, so it says the value is unknown.
  if (!isObject(encounter.class)) {
    encounter.class = { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown', display: 'Unknown' };
  }
  return encounter;
}

function convertObservation(observation: Json): Json {
  rename(observation, 'context', 'encounter');
  listify(observation, 'interpretation');
  if (typeof observation.comment === 'string') {
    observation.note = [...arrayOf(observation.note), { text: observation.comment }];
  }
  delete observation.comment;
  const related = arrayOf(observation.related);
  delete observation.related;
  const hasMember = related.filter((link) => link.type === 'has-member').map((link) => link.target);
  const derivedFrom = related.filter((link) => link.type !== 'has-member').map((link) => link.target);
  if (hasMember.length > 0) observation.hasMember = hasMember;
  // R4 keeps only has-member and derived-from; sequel-to, qualified-by and the like are kinds of derivation.
  if (derivedFrom.length > 0) observation.derivedFrom = derivedFrom;
  if (observation.valueAttachment !== undefined) {
    // R4 Observation cannot hold an attachment; its title is kept as text.
    const attachment = observation.valueAttachment as Json;
    delete observation.valueAttachment;
    observation.valueString = typeof attachment.title === 'string' ? attachment.title : 'attachment';
  }
  return observation;
}

function convertDiagnosticReport(report: Json): Json {
  rename(report, 'context', 'encounter');
  rename(report, 'codedDiagnosis', 'conclusionCode');
  listify(report, 'category');
  if (Array.isArray(report.performer)) {
    report.performer = arrayOf(report.performer).flatMap((performer) => (isObject(performer.actor) ? [performer.actor] : []));
    if ((report.performer as unknown[]).length === 0) delete report.performer;
  }
  if (Array.isArray(report.image)) {
    report.media = report.image;
    delete report.image;
  }
  return report;
}

const PROCEDURE_REQUEST_STATUS: Record<string, string> = { suspended: 'on-hold', cancelled: 'revoked' };

function convertProcedureRequest(request: Json): Json {
  request.resourceType = 'ServiceRequest';
  if (typeof request.status === 'string') request.status = PROCEDURE_REQUEST_STATUS[request.status] ?? request.status;
  rename(request, 'context', 'encounter');
  flattenRequester(request);
  listify(request, 'performer');
  listify(request, 'performerType');
  delete request.definition;
  return request;
}

const REFERRAL_CATEGORY = { system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' };

function convertReferralRequest(referral: Json): Json {
  referral.resourceType = 'ServiceRequest';
  if (typeof referral.status === 'string') referral.status = PROCEDURE_REQUEST_STATUS[referral.status] ?? referral.status;
  rename(referral, 'context', 'encounter');
  rename(referral, 'groupIdentifier', 'requisition');
  rename(referral, 'recipient', 'performer');
  flattenRequester(referral);
  delete referral.definition;
  const services = arrayOf(referral.serviceRequested);
  delete referral.serviceRequested;
  if (services[0]) referral.code = services[0];
  referral.category = [{ coding: [REFERRAL_CATEGORY] }, ...(isObject(referral.type) ? [referral.type] : [])];
  delete referral.type;
  if (isObject(referral.specialty)) referral.performerType = referral.specialty;
  delete referral.specialty;
  if (typeof referral.description === 'string') referral.note = [...arrayOf(referral.note), { text: referral.description }];
  delete referral.description;
  return referral;
}

function convertImmunization(immunization: Json): Json {
  const notGiven = immunization.notGiven;
  delete immunization.notGiven;
  if (notGiven === true && immunization.status !== 'entered-in-error') immunization.status = 'not-done';
  rename(immunization, 'date', 'occurrenceDateTime');
  if (immunization.occurrenceDateTime === undefined) {
    // R4 requires an occurrence; GP Connect sends the date when known, so say it is not.
    immunization.occurrenceString = 'unknown';
  }
  const explanation = immunization.explanation;
  delete immunization.explanation;
  if (isObject(explanation)) {
    if (Array.isArray(explanation.reason)) immunization.reasonCode = explanation.reason;
    const notGivenReason = arrayOf(explanation.reasonNotGiven)[0];
    if (notGivenReason) immunization.statusReason = notGivenReason;
  }
  const practitioners = arrayOf(immunization.practitioner);
  delete immunization.practitioner;
  if (practitioners.length > 0) {
    immunization.performer = practitioners
      .filter((practitioner) => isObject(practitioner.actor))
      .map((practitioner) => ({ ...(isObject(practitioner.role) ? { function: practitioner.role } : {}), actor: practitioner.actor }));
  }
  const protocols = arrayOf(immunization.vaccinationProtocol);
  delete immunization.vaccinationProtocol;
  // R4 protocolApplied needs a dose number; a protocol without one says nothing R4 can hold.
  const applied = protocols
    .filter((protocol) => typeof protocol.doseSequence === 'number' && protocol.doseSequence > 0)
    .map((protocol) => ({
      ...(typeof protocol.series === 'string' ? { series: protocol.series } : {}),
      ...(isObject(protocol.authority) ? { authority: protocol.authority } : {}),
      ...(isObject(protocol.targetDisease) ? { targetDisease: [protocol.targetDisease] } : {}),
      ...(Array.isArray(protocol.targetDisease) ? { targetDisease: protocol.targetDisease } : {}),
      doseNumberPositiveInt: protocol.doseSequence,
      ...(typeof protocol.seriesDoses === 'number' && protocol.seriesDoses > 0 ? { seriesDosesPositiveInt: protocol.seriesDoses } : {}),
    }));
  if (applied.length > 0) immunization.protocolApplied = applied;
  return immunization;
}

function convertAppointment(appointment: Json): Json {
  rename(appointment, 'reason', 'reasonCode');
  rename(appointment, 'indication', 'reasonReference');
  rename(appointment, 'incomingReferral', 'basedOn');
  listify(appointment, 'serviceCategory');
  return appointment;
}

// ---- shared elements

/** STU3 Dosage.dose[x] and rate[x] moved into R4 Dosage.doseAndRate. */
function convertDosage(dosage: Json): void {
  const doseAndRate: Json = {};
  for (const key of Object.keys(dosage)) {
    if (key.startsWith('dose') || key.startsWith('rate')) {
      if (key === 'doseAndRate') continue;
      doseAndRate[key] = dosage[key];
      delete dosage[key];
    }
  }
  if (Object.keys(doseAndRate).length > 0) dosage.doseAndRate = [doseAndRate];
}

/** STU3 requester {agent, onBehalfOf} became a plain Reference in R4. */
function flattenRequester(request: Json): void {
  const requester = request.requester;
  if (!isObject(requester)) return;
  if (isObject(requester.agent)) request.requester = requester.agent;
  else delete request.requester;
}

/** HL7 code systems that moved to terminology.hl7.org in R4. */
const MOVED_SYSTEMS: Record<string, string> = {
  'http://hl7.org/fhir/list-order': 'http://terminology.hl7.org/CodeSystem/list-order',
  'http://hl7.org/fhir/list-empty-reason': 'http://terminology.hl7.org/CodeSystem/list-empty-reason',
  'http://hl7.org/fhir/condition-category': 'http://terminology.hl7.org/CodeSystem/condition-category',
  'http://hl7.org/fhir/observation-category': 'http://terminology.hl7.org/CodeSystem/observation-category',
  'http://hl7.org/fhir/data-absent-reason': 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  'http://hl7.org/fhir/medication-statement-category': 'http://terminology.hl7.org/CodeSystem/medication-statement-category',
  'http://hl7.org/fhir/medication-request-category': 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
  'http://hl7.org/fhir/diagnostic-service-sections': 'http://terminology.hl7.org/CodeSystem/v2-0074',
  'http://hl7.org/fhir/immunization-role': 'http://terminology.hl7.org/CodeSystem/v2-0443',
};

/**
 * Walks the whole resource: trims and moves code systems, renames references to the STU3-only
 * types, and drops STU3 profile claims.
 */
function normaliseTree(node: unknown, defects: Record<string, number>, key?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => normaliseTree(item, defects, key));
  if (!isObject(node)) return node;
  for (const [name, value] of Object.entries(node)) {
    if (name === 'contained') continue; // converted as resources of their own
    if (name === 'system' && typeof value === 'string') node.system = movedSystem(value.trim());
    else if (name === 'reference' && typeof value === 'string')
      node.reference = value.replace(/^(ProcedureRequest|ReferralRequest)\//, 'ServiceRequest/');
    else node[name] = normaliseTree(value, defects, name);
  }
  if (key === 'meta') delete node.profile;
  if (node.system === UCUM || typeof node.unit === 'string' || QUANTITY_ELEMENTS.has(key ?? '')) repairQuantity(node, defects);
  return node;
}

const UCUM = 'http://unitsofmeasure.org';
const QUANTITY_ELEMENTS = new Set([
  'quantity',
  'valueQuantity',
  'doseQuantity',
  'expectedSupplyDuration',
  'low',
  'high',
  'numerator',
  'denominator',
]);

/** Quantities seen with the number as a string and the unit code inside a list. */
function repairQuantity(quantity: Json, defects: Record<string, number>): void {
  if (typeof quantity.value === 'string' && /^-?\d+(\.\d+)?$/.test(quantity.value.trim())) {
    quantity.value = Number(quantity.value);
    count(defects, 'quantity value as text');
  }
  if (Array.isArray(quantity.code) && quantity.code.length === 1 && typeof quantity.code[0] === 'string') {
    quantity.code = quantity.code[0];
    count(defects, 'quantity code as a list');
  }
}

function movedSystem(system: string): string {
  const moved = MOVED_SYSTEMS[system];
  if (moved) return moved;
  const v3 = /^http:\/\/hl7\.org\/fhir\/v3\/([A-Za-z]+)$/.exec(system);
  if (v3) return `http://terminology.hl7.org/CodeSystem/v3-${v3[1]}`;
  const v2 = /^http:\/\/hl7\.org\/fhir\/v2\/(\d{4})$/.exec(system);
  if (v2) return `http://terminology.hl7.org/CodeSystem/v2-${v2[1]}`;
  return system;
}

function withSource(meta: unknown, source: string): Json {
  const base = isObject(meta) ? meta : {};
  delete base.profile;
  return { ...base, source };
}

function warningCodes(outcome: Json): string[] {
  return arrayOf(outcome.issue).flatMap((issue) => {
    const coding = isObject(issue.details) ? arrayOf(issue.details.coding) : [];
    return coding.flatMap((item) => (typeof item.code === 'string' ? [item.code] : []));
  });
}

function codeToConcept(resource: Json, key: string, system: string): void {
  const value = resource[key];
  if (typeof value === 'string') resource[key] = concept(system, value);
}

function concept(system: string, code: string): Json {
  return { coding: [{ system, code }] };
}

function conceptCode(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const code = arrayOf(value.coding)[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

function rename(resource: Json, from: string, to: string): void {
  if (resource[from] === undefined) return;
  resource[to] = resource[from];
  delete resource[from];
}

/** R4 made these elements repeat: a single STU3 value becomes a one-item list. */
function listify(resource: Json, key: string): Json {
  const value = resource[key];
  if (value !== undefined && !Array.isArray(value)) resource[key] = [value];
  return resource;
}

function arrayOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(counter: Record<string, number>, reason: string): void {
  counter[reason] = (counter[reason] ?? 0) + 1;
}
