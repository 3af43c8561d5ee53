import type { SeededRandom } from './random.js';

/**
 * Unique NHS numbers from the 999 range the NHS reserves for testing, each passing the
 * modulus 11 check: 999 + six digits + check digit, about 909,000 possible numbers.
 */
export class NhsNumberAllocator {
  private readonly used = new Set<number>();

  constructor(private readonly random: SeededRandom) {}

  next(): string {
    if (this.used.size > 800_000) throw new RangeError('the 999 test range is nearly exhausted');
    for (;;) {
      const body = this.random.int(0, 999_999);
      if (this.used.has(body)) continue;
      const digits = `999${String(body).padStart(6, '0')}`;
      const check = checkDigit(digits);
      if (check === undefined) continue;
      this.used.add(body);
      return `${digits}${check}`;
    }
  }
}

/** Modulus 11 check digit of the first nine digits, or undefined when none exists (remainder gives 10). */
export function checkDigit(nineDigits: string): number | undefined {
  let sum = 0;
  for (let index = 0; index < 9; index++) sum += Number(nineDigits[index]) * (10 - index);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}
