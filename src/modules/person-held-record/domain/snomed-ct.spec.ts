import { isValidConceptId } from './snomed-ct.js';

describe('SNOMED CT concept ids', () => {
  it('accepts real concept ids, international and UK extension (dm+d too)', () => {
    for (const id of ['75367002', '44054006', '195967001', '1091811000000102', '39732311000001104', '24484000'])
      expect(isValidConceptId(id)).toBe(true);
  });

  it('refuses a mistyped id (check digit), a description id, and what is not an id', () => {
    expect(isValidConceptId('44054007')).toBe(false); // last digit changed
    expect(isValidConceptId('44504006')).toBe(false); // two digits swapped
    expect(isValidConceptId('1221011')).toBe(false); // partition 01: a description, not a concept
    expect(isValidConceptId('12345')).toBe(false);
    expect(isValidConceptId('075367002')).toBe(false);
    expect(isValidConceptId('7536700x')).toBe(false);
  });
});
