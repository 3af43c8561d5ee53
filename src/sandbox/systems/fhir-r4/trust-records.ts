import { filterHistory } from '../../population/history-lists.js';
import type { CareItemOf, ClinicalHistory } from '../../population/clinical-history.types.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import { FHIR_ID, itemResourceId, patientPartOfItemId } from './fhir-ids.js';
import type { ClinicalResourceType, FhirSystemProfile } from './fhir-system.js';
import { instantMs, instantString, itemChangedAt, LastUpdatedIndex } from './last-updated.js';
import { badRequest, notFound } from './operation-outcome.js';
import { PatientIndex } from './patient-index.js';
import type { Patient, Resource } from './r4-types.js';
import { R4ResourceRenderer, type PatientScope } from './resource-renderers.js';

/**
 * One trust's FHIR view of the sandbox: its patient register (indexed once) and each patient's
 * care items held by this trust, rendered as R4 resources on request.
 */
export class TrustRecords {
  readonly index: PatientIndex;
  readonly renderer: R4ResourceRenderer;
  /** The register by change time, for `_lastUpdated` searches. */
  readonly changes: LastUpdatedIndex;
  /** Items created through this API, with the record (local id) they were created on. */
  private readonly createdOn = new Map<string, string>();

  constructor(
    readonly context: SandboxContext,
    readonly profile: FhirSystemProfile,
  ) {
    this.index = new PatientIndex(context.directories[profile.system]);
    this.renderer = new R4ResourceRenderer(profile, context.population.organisations, context.people);
    this.changes = new LastUpdatedIndex(
      this.index.records,
      (record) => this.index.idOf(record),
      (record) => this.lastUpdatedOf(record),
    );
    // Live events add and update items straight in the history store; each is announced once done.
    context.events.on('event', (event) => this.touched(event.personId));
    this.changes.warm();
  }

  /** The trust's FHIR base URL, e.g. http://127.0.0.1:4000/acute. */
  get base(): string {
    return `${this.context.publicUrl}/${this.profile.system}`;
  }

  patient(resourceId: string): SystemRecord {
    const record = FHIR_ID.test(resourceId) ? this.index.byId(resourceId) : undefined;
    if (!record) throw notFound(`Resource Patient/${resourceId} is not known`);
    return record;
  }

  patientResource(record: SystemRecord): Patient {
    return this.renderer.patient(record, this.index.idOf(record), instantString(this.lastUpdatedOf(record)));
  }

  /**
   * When the trust's record of the patient last changed, in ms: the latest of its own items'
   * times. A record with none (a duplicate registration, someone known but with nothing on file)
   * dates from the person's first item at the trust, or failing that a day of the five years
   * before the reference date drawn from its local id. Worked out from the history every time,
   * so it moves as items are added.
   */
  lastUpdatedOf(record: SystemRecord): number {
    let latest = -Infinity;
    forEachItem(this.historyOf(record), (item) => (latest = Math.max(latest, itemChangedAt(item))));
    if (latest > -Infinity) return latest;
    let first = Infinity;
    forEachItem(this.context.histories.forSystem(record.personId, this.profile.system), (item) => {
      first = Math.min(first, instantMs(item.recordedAt));
    });
    if (first < Infinity) return first;
    const referenceDay = instantMs(this.context.population.referenceDate);
    const birthDay = instantMs(record.birthDate);
    const daysBack = [...record.localId].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 1826, 7);
    return Math.max(birthDay, referenceDay - daysBack * 86_400_000);
  }

  /** Re-sorts a person's records in the change index after their items changed. */
  private touched(personId: string): void {
    for (const record of this.context.directories[this.profile.system].byPersonId.get(personId) ?? []) this.changes.refresh(record);
  }

  /** The patient a patient= or subject= value names: id, Patient/id or an absolute URL of one. */
  patientFromReference(parameter: string, value: string): SystemRecord {
    const parts = value.split('/');
    const id = parts[parts.length - 1];
    const type = parts.length > 1 ? parts[parts.length - 2] : 'Patient';
    if (type !== 'Patient' || !id) throw badRequest(`${parameter} must reference a Patient (id or Patient/id), not "${value}"`, 'value');
    if (parts.length > 2 && !value.startsWith(`${this.base}/`))
      throw badRequest(`${parameter} "${value}" is not a patient of this server`, 'value');
    return this.patient(id);
  }

  /**
   * The items this trust holds for the record. A person's items hang on their first registration;
   * a duplicate registration holds only what was created on it through the API.
   */
  historyOf(record: SystemRecord): ClinicalHistory | undefined {
    const history = this.context.histories.forSystem(record.personId, this.profile.system);
    if (!history) return undefined;
    const primary = this.index.primaryRecordOf(record.personId) === record;
    return filterHistory(history, (item) => {
      const createdOn = this.createdOn.get(item.id);
      return createdOn !== undefined ? createdOn === record.localId : primary;
    });
  }

  /** The patient's resources of one type, in the order the trust recorded them. */
  resources(record: SystemRecord, resourceType: ClinicalResourceType): Resource[] {
    const history = this.historyOf(record);
    if (!history) return [];
    const scope: PatientScope = { record, patientId: this.index.idOf(record), knownItemIds: itemIds(history) };
    const renderer = this.renderer;
    switch (resourceType) {
      case 'AllergyIntolerance':
        return history.allergies.map((item) => renderer.allergy(item, scope));
      case 'MedicationRequest':
        return history.medications.map((item) => renderer.medicationRequest(item, scope));
      case 'Condition':
        return history.conditions.map((item) => renderer.condition(item, scope));
      case 'Observation':
        return history.observations.map((item) => renderer.observation(item, scope));
      case 'DiagnosticReport':
        return history.diagnosticReports.map((item) => renderer.diagnosticReport(item, scope));
      case 'Encounter': {
        const now = this.context.now();
        return history.encounters.map((item) => renderer.encounter(item, scope, now));
      }
      case 'Appointment':
        return history.appointments.map((item) => renderer.appointment(item, scope));
      case 'CarePlan':
        return history.carePlans.map((item) => renderer.carePlan(item, scope));
    }
  }

  /** GET <Type>/<id> of a clinical resource: ids are <patient id>.<item>. */
  read(resourceType: ClinicalResourceType, resourceId: string): Resource {
    const patientId = FHIR_ID.test(resourceId) ? patientPartOfItemId(resourceId) : undefined;
    const record = patientId ? this.index.byId(patientId) : undefined;
    const found = record && this.resources(record, resourceType).find((resource) => resource.id === resourceId);
    if (!found) throw notFound(`Resource ${resourceType}/${resourceId} is not known`);
    return found;
  }

  itemResourceId(record: SystemRecord, itemId: string): string {
    return itemResourceId(this.index.idOf(record), record.personId, itemId);
  }

  /** Records an item created through the API, on the registration it was created against. */
  store(record: SystemRecord, item: CareItemOf): void {
    this.createdOn.set(item.id, record.localId);
    this.context.histories.add(record.personId, item);
    this.changes.refresh(record);
  }
}

function forEachItem(history: ClinicalHistory | undefined, visit: (item: CareItemOf) => void): void {
  if (!history) return;
  for (const list of [
    history.conditions,
    history.allergies,
    history.medications,
    history.observations,
    history.diagnosticReports,
    history.encounters,
    history.appointments,
    history.carePlans,
  ]) {
    for (const item of list) visit(item);
  }
}

function itemIds(history: ClinicalHistory): Set<string> {
  const ids = new Set<string>();
  forEachItem(history, (item) => ids.add(item.id));
  return ids;
}
