/** The FHIR identifier system for NHS numbers (England and Wales), as UK Core uses it. */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** Digits only: spaces and hyphens, as people write NHS numbers ("943 476 5919"), are dropped. */
export function normaliseNhsNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/**
 * Whether the value is a well-formed NHS number: ten digits whose last is the modulus 11 check
 * digit of the first nine (weights 10 down to 2). A check digit of 10 means no valid number.
 */
export function isValidNhsNumber(input: string): boolean {
  const digits = normaliseNhsNumber(input);
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

/** Numbers beginning 999 are issued for testing and never belong to a real person. */
export function isTestRangeNhsNumber(input: string): boolean {
  return normaliseNhsNumber(input).startsWith('999');
}
