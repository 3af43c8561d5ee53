// Islington's streets and postcode sectors. Units are sector + digit-free inward letters in the
// Royal Mail alphabet (no C, I, K, M, O or V), so every postcode passes a UK postcode check.

export interface Street {
  name: string;
  /** Postcode sectors the street runs through, e.g. "N7 6". */
  sectors: string[];
  /** Share of homes on the street that are flats in converted houses or blocks. */
  flats: number;
}

export const STREETS: Street[] = [
  { name: 'Holloway Road', sectors: ['N7 6', 'N7 8', 'N19 4'], flats: 0.8 },
  { name: 'Seven Sisters Road', sectors: ['N7 6', 'N4 3'], flats: 0.8 },
  { name: 'Caledonian Road', sectors: ['N1 9', 'N1 1', 'N7 9'], flats: 0.7 },
  { name: 'Upper Street', sectors: ['N1 1', 'N1 2'], flats: 0.8 },
  { name: 'Essex Road', sectors: ['N1 2', 'N1 3', 'N1 8'], flats: 0.7 },
  { name: 'Liverpool Road', sectors: ['N1 0', 'N1 1', 'N7 8'], flats: 0.6 },
  { name: 'Blackstock Road', sectors: ['N4 2', 'N5 2'], flats: 0.7 },
  { name: 'Highbury Grove', sectors: ['N5 1', 'N5 2'], flats: 0.5 },
  { name: 'Highbury New Park', sectors: ['N5 2'], flats: 0.6 },
  { name: 'Junction Road', sectors: ['N19 5'], flats: 0.7 },
  { name: 'Hornsey Road', sectors: ['N7 7', 'N19 4'], flats: 0.6 },
  { name: 'Tufnell Park Road', sectors: ['N7 0', 'N19 5'], flats: 0.5 },
  { name: 'Brecknock Road', sectors: ['N7 0', 'N19 5'], flats: 0.5 },
  { name: 'Camden Road', sectors: ['N7 0', 'N7 9'], flats: 0.6 },
  { name: 'Stroud Green Road', sectors: ['N4 3'], flats: 0.7 },
  { name: 'Tollington Park', sectors: ['N4 3'], flats: 0.5 },
  { name: 'Hanley Road', sectors: ['N4 3'], flats: 0.4 },
  { name: 'Mildmay Park', sectors: ['N1 4'], flats: 0.5 },
  { name: 'Balls Pond Road', sectors: ['N1 4'], flats: 0.6 },
  { name: 'Canonbury Road', sectors: ['N1 2'], flats: 0.5 },
  { name: 'Packington Street', sectors: ['N1 7'], flats: 0.4 },
  { name: 'Colebrooke Row', sectors: ['N1 8'], flats: 0.4 },
  { name: 'Barnsbury Road', sectors: ['N1 0'], flats: 0.5 },
  { name: 'Offord Road', sectors: ['N1 1'], flats: 0.4 },
  { name: 'Pentonville Road', sectors: ['N1 9'], flats: 0.8 },
  { name: 'Copenhagen Street', sectors: ['N1 0'], flats: 0.7 },
  { name: 'Cally Pool Terrace', sectors: ['N7 9'], flats: 0.3 },
  { name: 'Archway Road', sectors: ['N19 3', 'N6 5'], flats: 0.6 },
  { name: 'Dartmouth Park Hill', sectors: ['N19 5'], flats: 0.6 },
  { name: 'Hargrave Park', sectors: ['N19 5'], flats: 0.4 },
  { name: 'Hazellville Road', sectors: ['N19 3'], flats: 0.3 },
  { name: 'Hillrise Road', sectors: ['N19 3'], flats: 0.3 },
  { name: 'Crouch Hill', sectors: ['N4 4'], flats: 0.5 },
  { name: 'Elthorne Road', sectors: ['N19 4'], flats: 0.6 },
  { name: 'St John Street', sectors: ['EC1V 4', 'EC1M 4'], flats: 0.9 },
  { name: 'Goswell Road', sectors: ['EC1V 7', 'EC1V 4'], flats: 0.9 },
  { name: 'City Road', sectors: ['EC1V 1', 'EC1V 2'], flats: 0.9 },
  { name: 'Old Street', sectors: ['EC1V 9'], flats: 0.9 },
  { name: 'Amwell Street', sectors: ['EC1R 1'], flats: 0.7 },
  { name: 'Rosebery Avenue', sectors: ['EC1R 4'], flats: 0.9 },
  { name: 'Exmouth Market', sectors: ['EC1R 4'], flats: 0.9 },
  { name: 'Whitecross Street', sectors: ['EC1Y 8'], flats: 0.9 },
  { name: 'Lever Street', sectors: ['EC1V 3'], flats: 0.8 },
  { name: 'Penn Road', sectors: ['N7 9'], flats: 0.5 },
  { name: 'Drayton Park', sectors: ['N5 1'], flats: 0.5 },
  { name: 'Aberdeen Park', sectors: ['N5 2'], flats: 0.4 },
  { name: 'Gillespie Road', sectors: ['N5 1'], flats: 0.5 },
  { name: 'Benwell Road', sectors: ['N7 7'], flats: 0.6 },
  { name: 'Mayton Street', sectors: ['N7 6'], flats: 0.4 },
  { name: 'Andover Road', sectors: ['N7 7'], flats: 0.7 },
];

/** Estates and blocks of flats, with the street they stand on. */
export const BLOCKS: Array<{ name: string; street: string }> = [
  { name: 'Harvist Estate', street: 'Hornsey Road' },
  { name: 'Andover Estate', street: 'Andover Road' },
  { name: 'Elthorne Estate', street: 'Elthorne Road' },
  { name: 'Packington Estate', street: 'Packington Street' },
  { name: 'Market Estate', street: 'Caledonian Road' },
  { name: 'Girdlestone Estate', street: 'Junction Road' },
  { name: 'King Square Estate', street: 'Goswell Road' },
  { name: 'Spa Green Estate', street: 'Rosebery Avenue' },
  { name: 'Marquess Estate', street: 'Essex Road' },
  { name: 'Hillrise Mansions', street: 'Hillrise Road' },
];

/** Royal Mail inward-code letters: never C, I, K, M, O or V. */
export const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

const POSTCODE_PATTERN = /^(GIR 0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2})$/;

/** True for a postcode in the shape Royal Mail issues (outward code, space, inward code). */
export function isUkPostcode(postcode: string): boolean {
  return POSTCODE_PATTERN.test(postcode);
}
