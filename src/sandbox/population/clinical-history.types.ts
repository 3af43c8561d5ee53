// A person's care across the borough, as plain facts. Each item names the system that holds it;
// the simulated systems render their own items in their own protocol (FHIR R4, GP Connect STU3,
// social care JSON), so the facts stay one truth however each system speaks.

/** The systems that hold clinical or care items. */
export type CareSystem = 'gp' | 'acute' | 'mental-health' | 'social-care';

export interface Coding {
  /** http://snomed.info/sct, https://dmd.nhs.uk (dm+d), http://loinc.org */
  system: string;
  code: string;
  display: string;
}

interface CareItem {
  /** Stable within the population: <personId>-<kind>-<n>. */
  id: string;
  system: CareSystem;
  /** ODS code of the organisation that recorded it. */
  organisationCode: string;
  recordedAt: string;
}

export interface ConditionItem extends CareItem {
  kind: 'condition';
  code: Coding;
  onset: string;
  abatement?: string;
  clinicalStatus: 'active' | 'resolved';
}

export interface AllergyItem extends CareItem {
  kind: 'allergy';
  substance: Coding;
  reaction: Coding;
  category: 'medication' | 'food' | 'environment';
  severity: 'mild' | 'moderate' | 'severe';
  onset: string;
}

export interface MedicationItem extends CareItem {
  kind: 'medication';
  /** dm+d VMP or AMP. */
  medication: Coding;
  dosage: string;
  /** Quantity and unit per issue, e.g. 56 tablet. */
  quantity: { value: number; unit: string };
  start: string;
  end?: string;
  status: 'active' | 'completed' | 'stopped';
  /** acute: repeat prescription; one-off: a course. */
  courseType: 'acute' | 'repeat' | 'inpatient';
  reasonConditionId?: string;
}

export interface ObservationComponent {
  code: Coding;
  value: number;
  unit: string;
}

export interface ObservationItem extends CareItem {
  kind: 'observation';
  code: Coding;
  category: 'vital-signs' | 'laboratory' | 'survey';
  effective: string;
  /** Absent for panels whose values are in components (blood pressure). */
  value?: number;
  /** UCUM unit. */
  unit?: string;
  components?: ObservationComponent[];
  referenceRange?: { low?: number; high?: number };
  /** The laboratory report the result belongs to. */
  reportId?: string;
  encounterId?: string;
}

export interface DiagnosticReportItem extends CareItem {
  kind: 'diagnostic-report';
  code: Coding;
  issued: string;
  resultIds: string[];
  encounterId?: string;
}

export type EncounterType =
  'gp-consultation' | 'ae-attendance' | 'inpatient-admission' | 'outpatient' | 'mental-health-contact' | 'social-care-visit';

export interface EncounterItem extends CareItem {
  kind: 'encounter';
  type: EncounterType;
  start: string;
  /** Absent only while a patient is still in hospital. */
  end?: string;
  reason?: Coding;
  location: string;
  practitioner: string;
  /** For admissions: where the patient went on discharge. */
  dischargeDisposition?: Coding;
  /** For admissions: the A&E attendance it came through. */
  admittedFromId?: string;
  ward?: string;
}

export interface AppointmentItem extends CareItem {
  kind: 'appointment';
  start: string;
  end: string;
  status: 'booked' | 'fulfilled' | 'cancelled' | 'noshow';
  service: string;
  practitioner: string;
  location: string;
  description: string;
}

export interface CarePlanItem extends CareItem {
  kind: 'care-plan';
  category: 'long-term-condition' | 'mental-health-crisis' | 'social-care-support';
  title: string;
  description: string;
  start: string;
  end?: string;
  status: 'active' | 'completed';
  addressesConditionIds: string[];
  activities: string[];
}

export interface SocialCareAssessmentItem extends CareItem {
  kind: 'social-care-assessment';
  assessmentType: 'care-act-needs' | 'carers' | 'review' | 'financial';
  date: string;
  outcome: string;
  eligible: boolean;
}

export interface CarePackageItem extends CareItem {
  kind: 'care-package';
  service: 'home-care' | 'day-centre' | 'meals' | 'equipment' | 'residential' | 'reablement';
  provider: string;
  hoursPerWeek?: number;
  weeklyCostPence: number;
  start: string;
  end?: string;
  status: 'active' | 'ended';
}

export interface AllocatedWorker {
  name: string;
  role: 'social-worker' | 'occupational-therapist' | 'care-coordinator';
  team: string;
  since: string;
}

export interface ClinicalHistory {
  personId: string;
  conditions: ConditionItem[];
  allergies: AllergyItem[];
  medications: MedicationItem[];
  observations: ObservationItem[];
  diagnosticReports: DiagnosticReportItem[];
  encounters: EncounterItem[];
  appointments: AppointmentItem[];
  carePlans: CarePlanItem[];
  assessments: SocialCareAssessmentItem[];
  carePackages: CarePackageItem[];
  /** Social care and mental health keep an allocated worker per client. */
  allocatedWorkers: Partial<Record<CareSystem, AllocatedWorker>>;
}

export type CareItemOf = ClinicalHistory[Exclude<keyof ClinicalHistory, 'personId' | 'allocatedWorkers'>][number];
