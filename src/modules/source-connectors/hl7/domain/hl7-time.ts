/**
 * HL7 v2 DTM values (YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]). Without an offset the time is local
 * to the sender; feeds here are English trusts, so it is read as Europe/London.
 */
const dtmPattern = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/;

export function parseHl7DateTime(value: string | undefined): Date | null {
  if (!value) return null;
  const match = dtmPattern.exec(value.trim());
  if (!match) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', fraction = '0', offset] = match;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) return null;
  const millis = Math.round(Number(`0.${fraction}`) * 1000);
  const asUtc = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], millis);
  if (offset) {
    const sign = offset.startsWith('-') ? -1 : 1;
    const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
    return new Date(asUtc - minutes * 60_000);
  }
  // The London offset at that wall-clock time (BST or GMT); checked at the guessed instant.
  return new Date(asUtc - londonOffsetMinutes(new Date(asUtc - londonOffsetMinutes(new Date(asUtc)) * 60_000)) * 60_000);
}

const londonFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'shortOffset' });

function londonOffsetMinutes(at: Date): number {
  const name = londonFormat.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-]\d+)?/.exec(name);
  return match?.[1] ? Number(match[1]) * 60 : 0;
}

/** A birth or death date as written (YYYY-MM-DD), never shifted through a time zone. */
export function parseHl7Date(value: string | undefined): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})/.exec(value?.trim() ?? '');
  if (!match) return null;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d)) return null;
  return `${y}-${m}-${d}`;
}
