import type { R4Resource } from '../../src/fhir/index.js';
import type { SourcedResource, SourceSummary } from '../../src/modules/record-aggregation/index.js';
import type { RecordSection } from '../../src/modules/source-connectors/index.js';

// Resources as a connector hands them to the assembler, from the borough's usual sources, for
// the record aggregation domain's specs.

export const SNOMED = 'http://snomed.info/sct';
export const DMD = 'https://dmd.nhs.uk';

export const GP: SourceSummary = { sourceId: 'gp-f83001', name: 'Canonbury Medical Centre', organisationCode: 'F83001', kind: 'gp' };
export const ACUTE: SourceSummary = {
  sourceId: 'acute-r9a',
  name: 'Islington Park Hospitals NHS Trust',
  organisationCode: 'R9A',
  kind: 'acute',
};
export const MENTAL_HEALTH: SourceSummary = {
  sourceId: 'mental-health-r9m',
  name: 'North London Mental Health and Community NHS Foundation Trust',
  organisationCode: 'R9M',
  kind: 'mental-health',
};

let serial = 0;

/** The resource as `source` returned it (an id of the source's own when it has none), fetched live. */
export function sourced(section: RecordSection, source: SourceSummary, resource: R4Resource): SourcedResource {
  const id = resource.id ?? `${source.sourceId}.item-${++serial}`;
  return {
    section,
    resource: { ...resource, id, meta: { ...resource.meta, source: `urn:tessera:source:${source.sourceId}` } },
    provenance: { ...source, resourceId: id, asOf: '2026-11-23T09:00:00Z', freshness: 'live' },
  };
}
