import { createHash } from 'node:crypto';

/**
 * A name-based UUID (version 5 layout over SHA-1): the same item gets the same logical id on
 * every request, as a GP system's persistent GUIDs do, and the sandbox's truth ids (which the
 * history's item ids are built from) never show through.
 */
export function stableUuid(name: string): string {
  const hash = createHash('sha1').update('tessera-sandbox-gp|').update(name).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A stable unsigned 32-bit number for a string (FNV-1a), for deterministic picks. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
