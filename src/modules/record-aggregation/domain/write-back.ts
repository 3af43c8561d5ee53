import type { R4Resource } from '../../../fhir/index.js';
import type { RecordSection } from '../../source-connectors/index.js';

// What a professional may send to a source through the hub, checked before any source is asked.
// The source validates the clinical content itself; the hub checks only what it must to route it.

/** Resource types a source may be sent, and the record section each belongs to (decided as a read of it). */
export const WRITABLE_RESOURCE_SECTIONS: Readonly<Record<string, RecordSection>> = {
  Observation: 'observations',
  Condition: 'conditions',
};

/** The largest resource the hub forwards, as JSON characters: a single observation or diagnosis is far smaller. */
export const WRITE_MAX_CHARACTERS = 64 * 1024;

export type CheckedWrite = { ok: true; resource: R4Resource; section: RecordSection } | { ok: false; problem: string };

/** The resource to forward and its section, or the problem in words safe to show (never echoing the resource). */
export function checkWrite(resource: unknown): CheckedWrite {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource))
    return { ok: false, problem: 'resource must be a FHIR R4 resource (a JSON object)' };
  const size = JSON.stringify(resource).length;
  if (size > WRITE_MAX_CHARACTERS)
    return { ok: false, problem: `resource is too large (at most ${WRITE_MAX_CHARACTERS} characters of JSON)` };
  const type = (resource as { resourceType?: unknown }).resourceType;
  const accepted = Object.keys(WRITABLE_RESOURCE_SECTIONS).join(' or ');
  if (typeof type !== 'string') return { ok: false, problem: `resource.resourceType is missing: it must be ${accepted}` };
  const section = WRITABLE_RESOURCE_SECTIONS[type];
  if (!section)
    return { ok: false, problem: `resource.resourceType must be ${accepted}, not ${/^[A-Za-z]{1,64}$/.test(type) ? type : 'that'}` };
  return { ok: true, resource: resource as R4Resource, section };
}
