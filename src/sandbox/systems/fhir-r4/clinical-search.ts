import { dateSpan, periodSpan } from './fhir-dates.js';
import type { ClinicalResourceType } from './fhir-system.js';
import { badRequest } from './operation-outcome.js';
import type {
  AllergyIntolerance,
  Appointment,
  CarePlan,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  Encounter,
  MedicationRequest,
  Observation,
  Resource,
} from './r4-types.js';
import { dateMatches, parseDate, parseToken, tokenMatches, type SearchClause } from './search-parameters.js';

type CodingLike = { system?: string; code?: string };

interface TokenParameter {
  type: 'token';
  codings(resource: Resource): CodingLike[];
}

interface DateParameter {
  type: 'date';
  span(resource: Resource): [number, number] | undefined;
}

type ClinicalParameter = TokenParameter | DateParameter;

/** The patient of a clinical search; every clinical search needs one. */
export const PATIENT_PARAMETERS = ['patient', 'subject'] as const;

function token<T extends Resource>(codings: (resource: T) => CodingLike[]): TokenParameter {
  return { type: 'token', codings: (resource) => codings(resource as T) };
}

function date<T extends Resource>(span: (resource: T) => [number, number] | undefined): DateParameter {
  return { type: 'date', span: (resource) => span(resource as T) };
}

function concepts(...values: Array<CodeableConcept | CodeableConcept[] | undefined>): CodingLike[] {
  return values.flatMap((value) => (Array.isArray(value) ? value : value ? [value] : [])).flatMap((concept) => concept.coding ?? []);
}

function code(system: string, value: string | undefined): CodingLike[] {
  return value ? [{ system, code: value }] : [];
}

function at(value: string | undefined): [number, number] | undefined {
  return value ? dateSpan(value) : undefined;
}

/** What each clinical type can be searched by, beyond its patient (R4 search parameter names). */
export const CLINICAL_SEARCH_PARAMETERS: { readonly [T in ClinicalResourceType]: Readonly<Record<string, ClinicalParameter>> } = {
  AllergyIntolerance: {
    'clinical-status': token<AllergyIntolerance>((resource) => concepts(resource.clinicalStatus)),
    category: token<AllergyIntolerance>((resource) =>
      (resource.category ?? []).map((value) => ({ system: 'http://hl7.org/fhir/allergy-intolerance-category', code: value })),
    ),
    code: token<AllergyIntolerance>((resource) => concepts(resource.code)),
    criticality: token<AllergyIntolerance>((resource) => code('http://hl7.org/fhir/allergy-intolerance-criticality', resource.criticality)),
    date: date<AllergyIntolerance>((resource) => at(resource.recordedDate)),
    onset: date<AllergyIntolerance>((resource) => at(resource.onsetDateTime)),
  },
  MedicationRequest: {
    status: token<MedicationRequest>((resource) => code('http://hl7.org/fhir/CodeSystem/medicationrequest-status', resource.status)),
    intent: token<MedicationRequest>((resource) => code('http://hl7.org/fhir/CodeSystem/medicationrequest-intent', resource.intent)),
    category: token<MedicationRequest>((resource) => concepts(resource.category)),
    code: token<MedicationRequest>((resource) => concepts(resource.medicationCodeableConcept)),
    authoredon: date<MedicationRequest>((resource) => at(resource.authoredOn)),
  },
  Condition: {
    'clinical-status': token<Condition>((resource) => concepts(resource.clinicalStatus)),
    'verification-status': token<Condition>((resource) => concepts(resource.verificationStatus)),
    category: token<Condition>((resource) => concepts(resource.category)),
    code: token<Condition>((resource) => concepts(resource.code)),
    'onset-date': date<Condition>((resource) => at(resource.onsetDateTime)),
    'recorded-date': date<Condition>((resource) => at(resource.recordedDate)),
  },
  Observation: {
    status: token<Observation>((resource) => code('http://hl7.org/fhir/observation-status', resource.status)),
    category: token<Observation>((resource) => concepts(resource.category)),
    code: token<Observation>((resource) => concepts(resource.code)),
    'combo-code': token<Observation>((resource) =>
      concepts(resource.code, ...(resource.component ?? []).map((component) => component.code)),
    ),
    date: date<Observation>((resource) => at(resource.effectiveDateTime)),
  },
  DiagnosticReport: {
    status: token<DiagnosticReport>((resource) => code('http://hl7.org/fhir/diagnostic-report-status', resource.status)),
    category: token<DiagnosticReport>((resource) => concepts(resource.category)),
    code: token<DiagnosticReport>((resource) => concepts(resource.code)),
    date: date<DiagnosticReport>((resource) => at(resource.effectiveDateTime)),
    issued: date<DiagnosticReport>((resource) => at(resource.issued)),
  },
  Encounter: {
    status: token<Encounter>((resource) => code('http://hl7.org/fhir/encounter-status', resource.status)),
    class: token<Encounter>((resource) => [resource.class]),
    type: token<Encounter>((resource) => concepts(resource.type)),
    date: date<Encounter>((resource) => periodSpan(resource.period?.start, resource.period?.end)),
  },
  Appointment: {
    status: token<Appointment>((resource) => code('http://hl7.org/fhir/appointmentstatus', resource.status)),
    'service-type': token<Appointment>((resource) => concepts(resource.serviceType)),
    date: date<Appointment>((resource) => periodSpan(resource.start, resource.end)),
  },
  CarePlan: {
    status: token<CarePlan>((resource) => code('http://hl7.org/fhir/request-status', resource.status)),
    intent: token<CarePlan>((resource) => code('http://hl7.org/fhir/request-intent', resource.intent)),
    category: token<CarePlan>((resource) => concepts(resource.category)),
    date: date<CarePlan>((resource) => periodSpan(resource.period?.start, resource.period?.end)),
  },
};

/** Modifiers each parameter accepts, for parseSearch: token :not is all we offer. */
export function clinicalSupportedParameters(resourceType: ClinicalResourceType): Record<string, readonly string[]> {
  const supported: Record<string, readonly string[]> = { patient: [], subject: [] };
  for (const [name, parameter] of Object.entries(CLINICAL_SEARCH_PARAMETERS[resourceType])) {
    supported[name] = parameter.type === 'token' ? ['not'] : [];
  }
  return supported;
}

/** Builds a filter from the clauses other than patient/subject; values are checked here, before any lookup. */
export function clinicalFilter(resourceType: ClinicalResourceType, clauses: SearchClause[]): (resource: Resource) => boolean {
  const tests: Array<(resource: Resource) => boolean> = [];
  for (const clause of clauses) {
    if ((PATIENT_PARAMETERS as readonly string[]).includes(clause.name)) continue;
    const parameter = CLINICAL_SEARCH_PARAMETERS[resourceType][clause.name];
    if (parameter.type === 'token') {
      const tokens = clause.values.map(parseToken);
      const negate = clause.modifier === 'not';
      tests.push((resource) => {
        const codings = parameter.codings(resource);
        const matched = tokens.some((value) => tokenMatches(codings, value));
        return negate ? !matched : matched;
      });
    } else {
      if (clause.values.length > 1 && clause.values.some((value) => /^(ne|gt|lt|ge|le)/.test(value))) {
        // Comma-separated date values are an OR; with prefixes that reads ambiguously, so we ask for repeats.
        throw badRequest(
          `Give "${clause.name}" bounds as repeated parameters (${clause.name}=ge...&${clause.name}=le...), not comma-separated`,
          'not-supported',
        );
      }
      const values = clause.values.map((value) => parseDate(clause.name, value));
      tests.push((resource) => {
        const span = parameter.span(resource);
        return span !== undefined && values.some((value) => dateMatches(span, value));
      });
    }
  }
  return (resource) => tests.every((test) => test(resource));
}
