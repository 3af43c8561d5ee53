import { EventEmitter } from 'node:events';

import { clinicalHistory } from '../population/clinical-history.js';
import { filterHistory } from '../population/history-lists.js';
import type { CareItemOf, CareSystem, ClinicalHistory } from '../population/clinical-history.types.js';
import type { Person, Population } from '../population/population.types.js';
import type { SystemDirectory, SystemId } from '../records/system-record.types.js';
import { FaultControls } from './faults.js';

/** What a live event in a simulated system reports (the acute trust sends these as HL7 v2). */
export type SandboxEvent =
  | { type: 'admission'; personId: string; encounterId: string }
  | { type: 'discharge'; personId: string; encounterId: string }
  | { type: 'attendance'; personId: string; encounterId: string }
  | { type: 'result'; personId: string; reportId: string };

/**
 * Histories are generated on first use from each person's seed (so a 206,000-person borough
 * starts quickly) and kept in a bounded cache; what happens while the sandbox runs (new
 * admissions, results, created observations) is kept apart and never evicted.
 */
export class HistoryStore {
  private readonly cache = new Map<string, ClinicalHistory>();
  private readonly additions = new Map<string, CareItemOf[]>();

  constructor(
    private readonly population: Population,
    private readonly people: Map<string, Person>,
    private readonly cacheSize = 20_000,
  ) {}

  /** The person's whole history, or undefined for an unknown id. */
  get(personId: string): ClinicalHistory | undefined {
    const cached = this.cache.get(personId);
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      this.cache.delete(personId);
      this.cache.set(personId, cached);
      return cached;
    }
    const person = this.people.get(personId);
    if (!person) return undefined;
    const history = clinicalHistory(person, this.population);
    for (const item of this.additions.get(personId) ?? []) appendItem(history, item);
    this.cache.set(personId, history);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return history;
  }

  /** Items of one system only, as that system would hold them. */
  forSystem(personId: string, system: CareSystem): ClinicalHistory | undefined {
    const history = this.get(personId);
    return history && historyForSystem(history, system);
  }

  /** Records something that happened while the sandbox runs. */
  add(personId: string, item: CareItemOf): void {
    const list = this.additions.get(personId) ?? [];
    list.push(item);
    this.additions.set(personId, list);
    const cached = this.cache.get(personId);
    if (cached) appendItem(cached, item);
  }

  /** Replaces an item already in the history (a discharge closing an admission). */
  update(personId: string, item: CareItemOf): void {
    const history = this.get(personId);
    if (!history) return;
    const list = listFor(history, item) as CareItemOf[];
    const index = list.findIndex((existing) => existing.id === item.id);
    if (index >= 0) list[index] = item;
    const added = this.additions.get(personId) ?? [];
    const addedIndex = added.findIndex((existing) => existing.id === item.id);
    if (addedIndex >= 0) added[addedIndex] = item;
    else {
      added.push(item);
      this.additions.set(personId, added);
    }
  }
}

export function historyForSystem(history: ClinicalHistory, system: CareSystem): ClinicalHistory {
  const worker = history.allocatedWorkers[system];
  return { ...filterHistory(history, (item) => item.system === system), allocatedWorkers: worker ? { [system]: worker } : {} };
}

function listFor(history: ClinicalHistory, item: CareItemOf): CareItemOf[] {
  switch (item.kind) {
    case 'condition':
      return history.conditions;
    case 'allergy':
      return history.allergies;
    case 'medication':
      return history.medications;
    case 'observation':
      return history.observations;
    case 'diagnostic-report':
      return history.diagnosticReports;
    case 'encounter':
      return history.encounters;
    case 'appointment':
      return history.appointments;
    case 'care-plan':
      return history.carePlans;
    case 'social-care-assessment':
      return history.assessments;
    case 'care-package':
      return history.carePackages;
  }
}

function appendItem(history: ClinicalHistory, item: CareItemOf): void {
  const list = listFor(history, item);
  const index = list.findIndex((existing) => existing.id === item.id);
  if (index >= 0) list[index] = item;
  else list.push(item);
}

/** Everything a simulated system's router needs. */
export interface SandboxContext {
  population: Population;
  people: Map<string, Person>;
  directories: Record<SystemId, SystemDirectory>;
  histories: HistoryStore;
  faults: FaultControls;
  events: EventEmitter<{ event: [SandboxEvent] }>;
  /** Base URL the sandbox is reached at, e.g. http://127.0.0.1:4000 (for fullUrl and links). */
  publicUrl: string;
  now(): Date;
}
