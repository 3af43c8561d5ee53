import type { Coding } from '../clinical-history.types.js';

// Codes the sandbox's histories are written in: SNOMED CT (conditions, findings, lab tests, UK
// Pathology codes as GP Connect uses them), dm+d (medicines) and LOINC beside SNOMED for
// observations. Chosen for realism in a test borough; not a clinical reference.

export const SNOMED = 'http://snomed.info/sct';
export const DMD = 'https://dmd.nhs.uk';
export const LOINC = 'http://loinc.org';

const sct = (code: string, display: string): Coding => ({ system: SNOMED, code, display });
const dmd = (code: string, display: string): Coding => ({ system: DMD, code, display });
const loinc = (code: string, display: string): Coding => ({ system: LOINC, code, display });

/** Long-term conditions the population model knows, by key. */
export const CONDITIONS = {
  hypertension: sct('59621000', 'Essential hypertension'),
  diabetes: sct('44054006', 'Type 2 diabetes mellitus'),
  asthma: sct('195967001', 'Asthma'),
  copd: sct('13645005', 'Chronic obstructive pulmonary disease'),
  ckd: sct('433144002', 'Chronic kidney disease stage 3'),
  atrialFibrillation: sct('49436004', 'Atrial fibrillation'),
  coronaryHeartDisease: sct('53741008', 'Coronary arteriosclerosis'),
  heartFailure: sct('84114007', 'Heart failure'),
  depression: sct('35489007', 'Depressive disorder'),
  anxiety: sct('21897009', 'Generalized anxiety disorder'),
  schizophrenia: sct('58214004', 'Schizophrenia'),
  bipolar: sct('13746004', 'Bipolar disorder'),
  dementia: sct('52448006', 'Dementia'),
  hypothyroidism: sct('40930008', 'Hypothyroidism'),
  osteoarthritis: sct('396275006', 'Osteoarthritis'),
  epilepsy: sct('84757009', 'Epilepsy'),
  hypercholesterolaemia: sct('13644009', 'Hypercholesterolaemia'),
  stroke: sct('230690007', 'Cerebrovascular accident'),
} as const;

export type ConditionKey = keyof typeof CONDITIONS;

/** Short illnesses that bring people to the GP or to A&E. */
export const ACUTE_PROBLEMS: Coding[] = [
  sct('50417007', 'Lower respiratory tract infection'),
  sct('68566005', 'Urinary tract infectious disease'),
  sct('128045006', 'Cellulitis'),
  sct('29857009', 'Chest pain'),
  sct('233604007', 'Pneumonia'),
  sct('217082002', 'Accidental fall'),
  sct('16114001', 'Fracture of ankle'),
  sct('44465007', 'Sprain of ankle'),
  sct('21522001', 'Abdominal pain'),
  sct('25064002', 'Headache'),
  sct('195662009', 'Acute viral pharyngitis'),
  sct('267036007', 'Dyspnoea'),
];

/** The admission-worthy subset of presentations at A&E. */
export const ADMISSION_REASONS: Coding[] = [
  sct('233604007', 'Pneumonia'),
  sct('5913000', 'Fracture of neck of femur'),
  sct('29857009', 'Chest pain'),
  sct('68566005', 'Urinary tract infectious disease'),
  sct('128045006', 'Cellulitis'),
  sct('195080001', 'Exacerbation of chronic obstructive pulmonary disease'),
  sct('42343007', 'Congestive heart failure'),
];

export const DISCHARGE = {
  home: sct('306689006', 'Discharge to home'),
  residentialHome: sct('306691003', 'Discharge to residential home'),
  nursingHome: sct('306694006', 'Discharge to nursing home'),
  died: sct('371828006', 'Patient deceased during stay'),
} as const;

export const MEDICINES = {
  metformin: dmd('325278007', 'Metformin 500mg tablets'),
  gliclazide: dmd('325289001', 'Gliclazide 80mg tablets'),
  sitagliptin: dmd('408184009', 'Sitagliptin 100mg tablets'),
  amlodipine: dmd('319283006', 'Amlodipine 5mg tablets'),
  ramipril: dmd('318906001', 'Ramipril 5mg capsules'),
  atorvastatin20: dmd('320000009', 'Atorvastatin 20mg tablets'),
  atorvastatin40: dmd('320001008', 'Atorvastatin 40mg tablets'),
  salbutamol: dmd('320176004', 'Salbutamol 100micrograms/dose inhaler CFC free'),
  beclometasone: dmd('320133004', 'Beclometasone 100micrograms/dose inhaler CFC free'),
  tiotropium: dmd('407856002', 'Tiotropium bromide 18microgram inhalation powder capsules'),
  apixaban: dmd('703907001', 'Apixaban 5mg tablets'),
  bisoprolol: dmd('318590006', 'Bisoprolol 2.5mg tablets'),
  aspirin: dmd('319773006', 'Aspirin 75mg dispersible tablets'),
  furosemide: dmd('317971007', 'Furosemide 20mg tablets'),
  sertraline: dmd('321944008', 'Sertraline 50mg tablets'),
  citalopram: dmd('321987003', 'Citalopram 20mg tablets'),
  olanzapine: dmd('409379006', 'Olanzapine 10mg tablets'),
  aripiprazole: dmd('408124007', 'Aripiprazole 10mg tablets'),
  lithium: dmd('321563007', 'Lithium carbonate 400mg modified-release tablets'),
  quetiapine: dmd('400218005', 'Quetiapine 100mg tablets'),
  donepezil: dmd('407751008', 'Donepezil 10mg tablets'),
  levothyroxine: dmd('315283003', 'Levothyroxine sodium 100microgram tablets'),
  paracetamol: dmd('322236009', 'Paracetamol 500mg tablets'),
  lamotrigine: dmd('386974000', 'Lamotrigine 100mg tablets'),
  levetiracetam: dmd('407770000', 'Levetiracetam 500mg tablets'),
  amoxicillin: dmd('323510009', 'Amoxicillin 500mg capsules'),
  nitrofurantoin: dmd('376697002', 'Nitrofurantoin 100mg modified-release capsules'),
  flucloxacillin: dmd('323563005', 'Flucloxacillin 500mg capsules'),
  codeine: dmd('322498004', 'Codeine 30mg tablets'),
  clarithromycin: dmd('324095003', 'Clarithromycin 500mg tablets'),
  enoxaparin: dmd('317281005', 'Enoxaparin sodium 40mg/0.4ml solution for injection pre-filled syringes'),
} as const;

export type MedicineKey = keyof typeof MEDICINES;

/** Substances people are allergic to, with how often each appears among allergies. */
export const ALLERGENS: Array<{ substance: Coding; category: 'medication' | 'food' | 'environment'; weight: number }> = [
  { substance: sct('373270004', 'Penicillin -class of antibiotic-'), category: 'medication', weight: 40 },
  { substance: sct('372687004', 'Amoxicillin'), category: 'medication', weight: 8 },
  { substance: sct('387458008', 'Aspirin'), category: 'medication', weight: 5 },
  { substance: sct('387207008', 'Ibuprofen'), category: 'medication', weight: 6 },
  { substance: sct('387494007', 'Codeine'), category: 'medication', weight: 5 },
  { substance: sct('387170002', 'Trimethoprim'), category: 'medication', weight: 4 },
  { substance: sct('256349002', 'Peanut - dietary'), category: 'food', weight: 6 },
  { substance: sct('102263004', 'Eggs'), category: 'food', weight: 2 },
  { substance: sct('111088007', 'Latex'), category: 'environment', weight: 3 },
  { substance: sct('260147004', 'House dust mite'), category: 'environment', weight: 6 },
  { substance: sct('256277009', 'Grass pollen'), category: 'environment', weight: 8 },
];

export const REACTIONS: Coding[] = [
  sct('126485001', 'Urticaria'),
  sct('271807003', 'Eruption of skin'),
  sct('39579001', 'Anaphylaxis'),
  sct('41291007', 'Angioedema'),
  sct('56018004', 'Wheezing'),
  sct('422587007', 'Nausea'),
  sct('62315008', 'Diarrhoea'),
];

/** Observation types: SNOMED first (the UK record), LOINC second, UCUM unit. */
export const OBSERVATIONS = {
  bloodPressure: { code: sct('75367002', 'Blood pressure'), loinc: loinc('85354-9', 'Blood pressure panel'), unit: 'mm[Hg]' },
  systolic: { code: sct('271649006', 'Systolic blood pressure'), loinc: loinc('8480-6', 'Systolic blood pressure'), unit: 'mm[Hg]' },
  diastolic: { code: sct('271650006', 'Diastolic blood pressure'), loinc: loinc('8462-4', 'Diastolic blood pressure'), unit: 'mm[Hg]' },
  weight: { code: sct('27113001', 'Body weight'), loinc: loinc('29463-7', 'Body weight'), unit: 'kg' },
  height: { code: sct('50373000', 'Body height'), loinc: loinc('8302-2', 'Body height'), unit: 'cm' },
  bmi: { code: sct('60621009', 'Body mass index'), loinc: loinc('39156-5', 'Body mass index'), unit: 'kg/m2' },
  heartRate: { code: sct('364075005', 'Heart rate'), loinc: loinc('8867-4', 'Heart rate'), unit: '/min' },
  oxygenSaturation: { code: sct('431314004', 'Peripheral oxygen saturation'), loinc: loinc('59408-5', 'Oxygen saturation'), unit: '%' },
  temperature: { code: sct('276885007', 'Core body temperature'), loinc: loinc('8310-5', 'Body temperature'), unit: 'Cel' },
  hba1c: {
    code: sct('1049301000000100', 'HbA1c level (IFCC standardised)'),
    loinc: loinc('59261-8', 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol'),
    unit: 'mmol/mol',
  },
  egfr: {
    code: sct('1011481000000105', 'eGFR using creatinine (CKD-EPI) per 1.73 square metres'),
    loinc: loinc('62238-1', 'Glomerular filtration rate/1.73 sq M.predicted by Creatinine-based formula (CKD-EPI)'),
    unit: 'mL/min/{1.73_m2}',
  },
  creatinine: {
    code: sct('1000731000000107', 'Serum creatinine level'),
    loinc: loinc('14682-9', 'Creatinine [Moles/volume] in Serum or Plasma'),
    unit: 'umol/L',
  },
  sodium: {
    code: sct('1000661000000107', 'Serum sodium level'),
    loinc: loinc('2951-2', 'Sodium [Moles/volume] in Serum or Plasma'),
    unit: 'mmol/L',
  },
  potassium: {
    code: sct('1000651000000109', 'Serum potassium level'),
    loinc: loinc('2823-3', 'Potassium [Moles/volume] in Serum or Plasma'),
    unit: 'mmol/L',
  },
  cholesterol: {
    code: sct('1005671000000105', 'Serum cholesterol level'),
    loinc: loinc('14647-2', 'Cholesterol [Moles/volume] in Serum or Plasma'),
    unit: 'mmol/L',
  },
  haemoglobin: {
    code: sct('1022431000000105', 'Haemoglobin estimation'),
    loinc: loinc('718-7', 'Hemoglobin [Mass/volume] in Blood'),
    unit: 'g/L',
  },
  whiteCells: {
    code: sct('1022541000000102', 'Total white cell count'),
    loinc: loinc('6690-2', 'Leukocytes [#/volume] in Blood'),
    unit: '10*9/L',
  },
  platelets: { code: sct('1022651000000100', 'Platelet count'), loinc: loinc('777-3', 'Platelets [#/volume] in Blood'), unit: '10*9/L' },
  phq9: {
    code: sct('720433000', 'Patient Health Questionnaire Nine Item score'),
    loinc: loinc('44261-6', 'PHQ-9 total score'),
    unit: '{score}',
  },
} as const;

export type ObservationKey = keyof typeof OBSERVATIONS;

/** Laboratory panels: the report code and the tests it holds. */
export const LAB_PANELS = {
  fullBloodCount: { code: sct('26604007', 'Full blood count'), tests: ['haemoglobin', 'whiteCells', 'platelets'] as ObservationKey[] },
  ureaAndElectrolytes: {
    code: sct('252167001', 'Urea and electrolytes'),
    tests: ['sodium', 'potassium', 'creatinine', 'egfr'] as ObservationKey[],
  },
  hba1c: { code: sct('43396009', 'Haemoglobin A1c measurement'), tests: ['hba1c'] as ObservationKey[] },
  lipids: { code: sct('16254007', 'Lipid panel'), tests: ['cholesterol'] as ObservationKey[] },
} as const;

export type LabPanelKey = keyof typeof LAB_PANELS;

export const ENCOUNTER_TYPES = {
  gpConsultation: sct('185347001', 'Encounter for problem'),
  aeAttendance: sct('50849002', 'Emergency room admission'),
  admission: sct('32485007', 'Hospital admission'),
  outpatient: sct('185389009', 'Follow-up visit'),
  mentalHealthContact: sct('108313002', 'Psychiatric follow-up'),
  socialCareVisit: sct('410155007', 'Social care visit'),
} as const;
