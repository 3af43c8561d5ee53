import type { Coding, ConditionItem, ObservationComponent, ObservationItem } from '../../population/clinical-history.types.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import { LOINC, SNOMED, UCUM } from '../fhir-r4/code-systems.js';
import { fhirDateTime } from '../fhir-r4/fhir-dates.js';
import { badRequest, FhirRequestError, unprocessable } from '../fhir-r4/operation-outcome.js';
import type { TrustRecords } from '../fhir-r4/trust-records.js';

// The acute trust accepts new observations and diagnoses (a ward's vital signs, a clinic's coded
// diagnosis). Every problem is found before anything is stored, so a refused create stores nothing.

type Json = Record<string, unknown>;

const OBSERVATION_STATUSES = ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'];
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([zZ]|[+-]\d{2}:\d{2})?)?$/;
const EFFECTIVE_CHOICES = ['effectivePeriod', 'effectiveTiming', 'effectiveInstant'];
const VALUE_CHOICES = [
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
];

export interface AcceptedCreate<T> {
  record: SystemRecord;
  item: T;
}

let created = 0;

function nextItemId(personId: string, kind: string): string {
  created += 1;
  return `${personId}-${kind}-api${created}`;
}

export function observationToCreate(body: unknown, records: TrustRecords, now: Date): AcceptedCreate<ObservationItem> {
  const resource = resourceOf(body, 'Observation');
  const status = resource.status;
  if (status === undefined) throw badRequest('Observation.status is required (e.g. "final")', 'required', 'Observation.status');
  if (typeof status !== 'string' || !OBSERVATION_STATUSES.includes(status)) {
    throw badRequest(`Observation.status must be one of ${OBSERVATION_STATUSES.join(', ')}`, 'value', 'Observation.status');
  }
  const code = codeOf(resource.code, 'Observation.code');
  const category = observationCategory(resource.category);
  const effective = effectiveOf(resource, now);
  for (const choice of VALUE_CHOICES) {
    if (choice in resource)
      throw unprocessable(`${choice} is not accepted: this trust stores numeric results only, as valueQuantity`, `Observation.${choice}`);
  }
  const components = componentsOf(resource.component);
  const value = resource.valueQuantity === undefined ? undefined : quantityOf(resource.valueQuantity, 'Observation.valueQuantity');
  if (!value && components.length === 0) {
    throw badRequest(
      'Observation.valueQuantity (value and unit) is required, unless component values are given',
      'required',
      'Observation.valueQuantity',
    );
  }
  const referenceRange = referenceRangeOf(resource.referenceRange);
  const record = subjectOf(resource, records, 'Observation');
  const encounterId = encounterOf(resource.encounter, record, records);
  const item: ObservationItem = {
    id: nextItemId(record.personId, 'observation'),
    kind: 'observation',
    system: 'acute',
    organisationCode: records.profile.organisation.code,
    recordedAt: now.toISOString(),
    code,
    category,
    effective,
    ...(value ? { value: value.value, unit: value.unit } : {}),
    ...(components.length ? { components } : {}),
    ...(referenceRange ? { referenceRange } : {}),
    ...(encounterId ? { encounterId } : {}),
  };
  return { record, item };
}

export function conditionToCreate(body: unknown, records: TrustRecords, now: Date): AcceptedCreate<ConditionItem> {
  const resource = resourceOf(body, 'Condition');
  const code = codeOf(resource.code, 'Condition.code');
  if (code.system !== SNOMED)
    throw unprocessable(`Condition.code needs a SNOMED CT coding (${SNOMED}): this trust codes diagnoses in SNOMED CT`, 'Condition.code');
  const clinicalStatus = conditionStatus(resource.clinicalStatus);
  const onset = dateTimeField(resource, 'onsetDateTime', 'Condition') ?? now.toISOString().slice(0, 10);
  const abatement = dateTimeField(resource, 'abatementDateTime', 'Condition');
  for (const choice of [
    'onsetPeriod',
    'onsetAge',
    'onsetRange',
    'onsetString',
    'abatementPeriod',
    'abatementAge',
    'abatementRange',
    'abatementString',
  ]) {
    if (choice in resource)
      throw badRequest(
        `Condition.${choice} is not supported: use onsetDateTime / abatementDateTime`,
        'not-supported',
        `Condition.${choice}`,
      );
  }
  if (abatement && clinicalStatus === 'active') {
    throw badRequest(
      'Condition.abatementDateTime needs clinicalStatus resolved (con-4): an active condition has not abated',
      'invalid',
      'Condition.abatementDateTime',
    );
  }
  const record = subjectOf(resource, records, 'Condition');
  const item: ConditionItem = {
    id: nextItemId(record.personId, 'condition'),
    kind: 'condition',
    system: 'acute',
    organisationCode: records.profile.organisation.code,
    recordedAt: now.toISOString(),
    code,
    onset,
    ...(abatement ? { abatement } : {}),
    clinicalStatus,
  };
  return { record, item };
}

function resourceOf(body: unknown, resourceType: string): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`The request body must be a FHIR ${resourceType} resource in JSON`, 'structure');
  }
  const resource = body as Json;
  if (resource.resourceType !== resourceType) {
    const given = typeof resource.resourceType === 'string' ? `"${resource.resourceType}"` : 'missing';
    throw badRequest(`resourceType must be "${resourceType}" (it is ${given})`, 'invalid', 'resourceType');
  }
  return resource;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The coding to keep: SNOMED CT first, then LOINC, then the first with a system and code. */
function codeOf(value: unknown, path: string): Coding {
  if (!isObject(value)) throw badRequest(`${path} is required, with a coding that has system and code`, 'required', path);
  const codings = Array.isArray(value.coding) ? value.coding.filter(isObject) : [];
  const usable = codings.filter((coding) => typeof coding.system === 'string' && typeof coding.code === 'string' && coding.code !== '');
  if (usable.length === 0) throw badRequest(`${path}.coding needs at least one coding with system and code`, 'required', `${path}.coding`);
  const chosen = usable.find((coding) => coding.system === SNOMED) ?? usable.find((coding) => coding.system === LOINC) ?? usable[0];
  const display = typeof chosen.display === 'string' ? chosen.display : typeof value.text === 'string' ? value.text : String(chosen.code);
  return { system: String(chosen.system), code: String(chosen.code), display };
}

function observationCategory(value: unknown): ObservationItem['category'] {
  if (value === undefined) return 'vital-signs';
  const codes = (Array.isArray(value) ? value : [])
    .filter(isObject)
    .flatMap((concept) => (Array.isArray(concept.coding) ? concept.coding.filter(isObject) : []))
    .filter((coding) => coding.system === OBSERVATION_CATEGORY)
    .map((coding) => coding.code);
  if (codes.includes('laboratory')) return 'laboratory';
  if (codes.includes('vital-signs')) return 'vital-signs';
  throw unprocessable(
    `Observation.category must include vital-signs or laboratory (${OBSERVATION_CATEGORY}): this trust records no other kind`,
    'Observation.category',
  );
}

function effectiveOf(resource: Json, now: Date): string {
  for (const choice of EFFECTIVE_CHOICES) {
    if (choice in resource)
      throw badRequest(`Observation.${choice} is not supported: give effectiveDateTime`, 'not-supported', `Observation.${choice}`);
  }
  const effective = dateTimeField(resource, 'effectiveDateTime', 'Observation') ?? now.toISOString();
  if (Date.parse(fhirDateTime(effective)) > now.getTime() + 60_000) {
    throw unprocessable('Observation.effectiveDateTime is in the future', 'Observation.effectiveDateTime');
  }
  return effective;
}

function dateTimeField(resource: Json, field: string, resourceType: string): string | undefined {
  const value = resource[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(fhirDateTime(value)))) {
    throw badRequest(
      `${resourceType}.${field} must be a date or dateTime (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`,
      'value',
      `${resourceType}.${field}`,
    );
  }
  return value;
}

function quantityOf(value: unknown, path: string): { value: number; unit: string } {
  if (!isObject(value)) throw badRequest(`${path} must be a Quantity with value and unit`, 'invalid', path);
  if (typeof value.value !== 'number' || !Number.isFinite(value.value))
    throw badRequest(`${path}.value must be a number`, 'required', `${path}.value`);
  if (value.system !== undefined && value.system !== UCUM) {
    throw unprocessable(`${path}.system must be UCUM (${UCUM}): this trust records units in UCUM`, `${path}.system`);
  }
  const unit =
    typeof value.code === 'string' && value.code ? value.code : typeof value.unit === 'string' && value.unit ? value.unit : undefined;
  if (!unit) throw badRequest(`${path} needs a unit (code or unit, in UCUM, e.g. "mm[Hg]", "kg")`, 'required', `${path}.unit`);
  return { value: value.value, unit };
}

function componentsOf(value: unknown): ObservationComponent[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest('Observation.component must be an array', 'invalid', 'Observation.component');
  return value.map((component, index) => {
    const path = `Observation.component[${index}]`;
    if (!isObject(component)) throw badRequest(`${path} must be an object`, 'invalid', path);
    const quantity = quantityOf(component.valueQuantity, `${path}.valueQuantity`);
    return { code: codeOf(component.code, `${path}.code`), value: quantity.value, unit: quantity.unit };
  });
}

function referenceRangeOf(value: unknown): ObservationItem['referenceRange'] {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : undefined;
  if (!isObject(first)) throw badRequest('Observation.referenceRange must be an array of ranges', 'invalid', 'Observation.referenceRange');
  const bound = (name: 'low' | 'high'): number | undefined => {
    const quantity = first[name];
    if (quantity === undefined) return undefined;
    if (!isObject(quantity) || typeof quantity.value !== 'number') {
      throw badRequest(`Observation.referenceRange[0].${name}.value must be a number`, 'value', `Observation.referenceRange[0].${name}`);
    }
    return quantity.value;
  };
  const low = bound('low');
  const high = bound('high');
  return { ...(low !== undefined ? { low } : {}), ...(high !== undefined ? { high } : {}) };
}

function conditionStatus(value: unknown): ConditionItem['clinicalStatus'] {
  if (value === undefined) return 'active';
  const codes =
    isObject(value) && Array.isArray(value.coding)
      ? value.coding.filter(isObject).filter((coding) => coding.system === CONDITION_CLINICAL)
      : [];
  const code = codes[0]?.code;
  if (code === 'active' || code === 'resolved') return code;
  throw unprocessable(`Condition.clinicalStatus must be active or resolved (${CONDITION_CLINICAL})`, 'Condition.clinicalStatus');
}

/** The subject must be a patient registered with this trust. */
function subjectOf(resource: Json, records: TrustRecords, resourceType: string): SystemRecord {
  const path = `${resourceType}.subject`;
  const reference = isObject(resource.subject) ? resource.subject.reference : undefined;
  if (typeof reference !== 'string') throw badRequest(`${path}.reference is required (Patient/<id>)`, 'required', `${path}.reference`);
  const match = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (!match || (reference.includes('://') && !reference.startsWith(`${records.base}/`))) {
    throw badRequest(`${path}.reference must be Patient/<id> of this server, not "${reference}"`, 'value', `${path}.reference`);
  }
  try {
    return records.patient(match[1]);
  } catch (error) {
    if (error instanceof FhirRequestError && error.status === 404)
      throw unprocessable(`${path}: Patient/${match[1]} is not a patient of this trust`, `${path}.reference`);
    throw error;
  }
}

function encounterOf(value: unknown, record: SystemRecord, records: TrustRecords): string | undefined {
  if (value === undefined) return undefined;
  const reference = isObject(value) ? value.reference : undefined;
  const id = typeof reference === 'string' ? /^Encounter\/(.+)$/.exec(reference)?.[1] : undefined;
  const encounter = id ? records.historyOf(record)?.encounters.find((item) => records.itemResourceId(record, item.id) === id) : undefined;
  if (!encounter)
    throw unprocessable(
      `Observation.encounter must reference one of this patient's encounters here (Encounter/<id>)`,
      'Observation.encounter',
    );
  return encounter.id;
}
