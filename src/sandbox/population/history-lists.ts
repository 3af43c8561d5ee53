import type { CareItemOf, ClinicalHistory } from './clinical-history.types.js';

// The item lists of a history, handled as one: an empty history, and a history keeping only
// some items (one system's, one registration's), so no caller spells out every list.

export function emptyHistory(personId: string): ClinicalHistory {
  return {
    personId,
    conditions: [],
    allergies: [],
    medications: [],
    observations: [],
    diagnosticReports: [],
    encounters: [],
    appointments: [],
    carePlans: [],
    assessments: [],
    carePackages: [],
    allocatedWorkers: {},
  };
}

/** The same history with only the items `keep` accepts; allocated workers are kept as they are. */
export function filterHistory(history: ClinicalHistory, keep: (item: CareItemOf) => boolean): ClinicalHistory {
  const kept = <T extends CareItemOf>(items: T[]): T[] => items.filter(keep);
  return {
    personId: history.personId,
    conditions: kept(history.conditions),
    allergies: kept(history.allergies),
    medications: kept(history.medications),
    observations: kept(history.observations),
    diagnosticReports: kept(history.diagnosticReports),
    encounters: kept(history.encounters),
    appointments: kept(history.appointments),
    carePlans: kept(history.carePlans),
    assessments: kept(history.assessments),
    carePackages: kept(history.carePackages),
    allocatedWorkers: history.allocatedWorkers,
  };
}
