import type { Organisation } from '../population.types.js';

// The borough's organisations. Codes are ODS-shaped but belong to no real organisation,
// except the council's, which is Islington's ONS code, as a real record would carry.

const place = (lines: string[], postcode: string) => ({ lines, town: 'London', postcode });

export const ACUTE_TRUST: Organisation = {
  code: 'R9A',
  name: 'Islington Park Hospitals NHS Trust',
  kind: 'acute-trust',
  address: place(['Magdala Avenue'], 'N19 5NF'),
};

export const MENTAL_HEALTH_TRUST: Organisation = {
  code: 'R9M',
  name: 'North London Mental Health and Community NHS Foundation Trust',
  kind: 'mental-health-trust',
  address: place(['St Pancras Way'], 'NW1 0PE'),
};

export const COUNCIL: Organisation = {
  code: 'E09000019',
  name: 'Islington Council Adult Social Care (sandbox)',
  kind: 'local-authority',
  address: place(['222 Upper Street'], 'N1 1XR'),
};

export const PDS_SERVICE: Organisation = {
  code: 'X26',
  name: 'Personal Demographics Service (sandbox)',
  kind: 'national-service',
  address: place(['7 and 8 Wellington Place'], 'LS1 4AP'),
};

export const CARE_PROVIDERS: Organisation[] = [
  { code: 'VN9A1', name: 'Canonbury Home Care Ltd', kind: 'care-provider', address: place(['14 Canonbury Lane'], 'N1 2AS') },
  { code: 'VN9A2', name: 'Archway Community Care', kind: 'care-provider', address: place(['3 Junction Road'], 'N19 5QT') },
  { code: 'VN9A3', name: 'Highbury Day Centre', kind: 'care-provider', address: place(['40 Highbury Grove'], 'N5 2AG') },
  { code: 'VN9A4', name: 'Islington Meals at Home', kind: 'care-provider', address: place(['9 Caledonian Road'], 'N1 9DX') },
];

const PRACTICE_NAMES: Array<[string, string, string]> = [
  ['Holloway Road Medical Centre', '401 Holloway Road', 'N7 6LJ'],
  ['Archway Medical Practice', '2 Archway Close', 'N19 3TD'],
  ['Upper Street Surgery', '112 Upper Street', 'N1 1QP'],
  ['Highbury Grange Health Centre', '1-5 Highbury Grange', 'N5 2QB'],
  ['Mildmay Park Surgery', '38 Mildmay Park', 'N1 4NA'],
  ['Caledonian Road Practice', '265 Caledonian Road', 'N1 1EE'],
  ['Goodinge Health Centre', '20 North Road', 'N7 9EW'],
  ['Partnership Primary Care Centre', '1 Tollington Way', 'N7 6RG'],
  ['Junction Road Surgery', '216 Junction Road', 'N19 5QN'],
  ['Killick Street Health Centre', '75 Killick Street', 'N1 9RH'],
  ['Amwell Group Practice', '4 Amwell Street', 'EC1R 1UQ'],
  ['St John Street Medical Centre', '210 St John Street', 'EC1V 4JY'],
  ['Goswell Road Surgery', '308 Goswell Road', 'EC1V 7LS'],
  ['Clerkenwell Medical Practice', '12 Exmouth Market', 'EC1R 4QE'],
  ['Finsbury Health Centre', '17 Pine Street', 'EC1R 0JH'],
  ['Whitecross Street Practice', '44 Whitecross Street', 'EC1Y 8QP'],
  ['Essex Road Surgery', '210 Essex Road', 'N1 3PN'],
  ['Canonbury Medical Centre', '5 Canonbury Road', 'N1 2DG'],
  ['Ritchie Street Group Practice', '34 Ritchie Street', 'N1 0DG'],
  ['Barnsbury Medical Practice', '110 Barnsbury Road', 'N1 0ES'],
  ['Blackstock Road Surgery', '120 Blackstock Road', 'N4 2DR'],
  ['Stroud Green Medical Clinic', '126 Stroud Green Road', 'N4 3RZ'],
  ['Andover Medical Centre', '270 Hornsey Road', 'N7 7QZ'],
  ['Tufnell Park Surgery', '85 Tufnell Park Road', 'N7 0PS'],
  ['Hanley Road Practice', '9 Hanley Road', 'N4 3DU'],
  ['Elizabeth Avenue Group Practice', '1 Elizabeth Avenue', 'N1 3BS'],
  ['Beaumont Practice', '26 Beaumont Rise', 'N19 3AJ'],
  ['City Road Medical Centre', '190 City Road', 'EC1V 2QH'],
  ['Pentonville Road Surgery', '60 Pentonville Road', 'N1 9HF'],
  ['Highbury New Park Surgery', '2 Highbury New Park', 'N5 2DJ'],
];

/** Thirty practices, F83001 to F83030 (Islington's practices carry F83 codes; these are invented). */
export const GP_PRACTICES: Organisation[] = PRACTICE_NAMES.map(([name, line, postcode], index) => ({
  code: `F83${String(index + 1).padStart(3, '0')}`,
  name,
  kind: 'gp-practice',
  address: place([line], postcode),
}));

export const ALL_ORGANISATIONS: Organisation[] = [
  ...GP_PRACTICES,
  ACUTE_TRUST,
  MENTAL_HEALTH_TRUST,
  COUNCIL,
  PDS_SERVICE,
  ...CARE_PROVIDERS,
];
