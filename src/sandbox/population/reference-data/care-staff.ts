// Names of the people who deliver care in the sandbox borough: clinicians' surnames by
// organisation, wards, teams. Picked by a stable hash so the same practice has the same GPs.

export const CLINICIAN_SURNAMES = [
  'Okafor',
  'Patel',
  'Hughes',
  'Chen',
  'Rahman',
  'Murphy',
  'Kowalska',
  'Georgiou',
  'Adeyemi',
  'Shah',
  'Wilson',
  'Costa',
  'Yilmaz',
  'Brennan',
  'Mensah',
  'Ahmed',
  'Clarke',
  'Rossi',
  'Begum',
  'Walsh',
  'Nair',
  'Evans',
  'Boateng',
  'Singh',
];

export const INITIALS = 'ABCDEFGHJKLMNPRSTW';

export const WARDS = [
  'Mercers Ward',
  'Victoria Ward',
  'Coyle Ward',
  'Cavell Ward',
  'Nightingale Ward',
  'Montuschi Ward',
  'Thorogood Ward',
  'Cloudesley Ward',
];

export const OUTPATIENT_CLINICS = [
  'Cardiology Outpatients',
  'Diabetes and Endocrinology Clinic',
  'Respiratory Clinic',
  'Care of Older People Clinic',
  'Trauma and Orthopaedics Clinic',
  'Renal Clinic',
  'Neurology Clinic',
];

export const MENTAL_HEALTH_TEAMS = [
  'Islington North Community Mental Health Team',
  'Islington South Community Mental Health Team',
  'Early Intervention in Psychosis Service',
  'Crisis Resolution Home Treatment Team',
];

export const SOCIAL_CARE_TEAMS = [
  'Adult Social Care North Locality',
  'Adult Social Care South Locality',
  'Hospital Discharge Team',
  'Learning Disabilities Partnership',
];
