import { dayNumber, isoDate } from '../../population/dates.js';
import { hashSeed } from '../../population/random.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import type { ClientQuery } from './social-care-query.js';
import { nameSearchKey, oneLineAddress, postcodeSearchKey, spacedNhsNumber, ukDate } from './social-care-format.js';

/** A client as the council's API shows them. */
export interface SocialCareClient {
  clientId: string;
  /** Reference from the CareFirst system the council migrated from; only clients it held have one. */
  careFirstId: string | null;
  title: string | null;
  forename: string;
  middleNames: string | null;
  surname: string;
  dateOfBirth: string;
  dateOfDeath: string | null;
  gender: 'M' | 'F';
  nhsNumber: string | null;
  address: string;
  telephone: string | null;
}

export interface ClientEntry {
  record: SystemRecord;
  client: SocialCareClient;
}

export interface ClientChange {
  clientId: string;
  /** ISO 8601 in UTC with milliseconds, so it compares as a string with other such timestamps. */
  lastUpdated: string;
}

// Share of clients the council carried over from CareFirst, who keep its reference.
const CAREFIRST_SHARE_PER_THOUSAND = 400;
const CHANGE_LOG_CHUNK = 250;

/**
 * The council's clients, rendered once in the council's own style, with an index per search
 * field. A search starts from the smallest index list among the fields given and filters it.
 */
export class SocialCareClients {
  /** Every client in client id order. */
  readonly all: ClientEntry[];
  private readonly byClientId = new Map<string, ClientEntry>();
  private readonly indexes = {
    surname: new Map<string, ClientEntry[]>(),
    forename: new Map<string, ClientEntry[]>(),
    dob: new Map<string, ClientEntry[]>(),
    postcode: new Map<string, ClientEntry[]>(),
    nhsNumber: new Map<string, ClientEntry[]>(),
  };
  private changeLog?: Promise<ClientChange[]>;

  constructor(private readonly context: SandboxContext) {
    const records = [...context.directories['social-care'].records].sort((a, b) => clientNumber(a.localId) - clientNumber(b.localId));
    this.all = records.map((record) => ({ record, client: this.render(record) }));
    for (const entry of this.all) {
      const { record } = entry;
      this.byClientId.set(record.localId, entry);
      push(this.indexes.surname, nameSearchKey(record.family), entry);
      push(this.indexes.forename, nameSearchKey(record.given), entry);
      push(this.indexes.dob, record.birthDate, entry);
      push(this.indexes.postcode, postcodeSearchKey(record.address.postcode), entry);
      if (record.nhsNumber) push(this.indexes.nhsNumber, record.nhsNumber, entry);
    }
  }

  get(clientId: string): ClientEntry | undefined {
    return this.byClientId.get(clientId.toUpperCase());
  }

  /** Clients matching every field given (names compared ignoring case and punctuation), in client id order. */
  search(query: ClientQuery): ClientEntry[] {
    const keys: Array<[keyof SocialCareClients['indexes'], string]> = [];
    if (query.surname) keys.push(['surname', nameSearchKey(query.surname)]);
    if (query.forename) keys.push(['forename', nameSearchKey(query.forename)]);
    if (query.dob) keys.push(['dob', query.dob]);
    if (query.postcode) keys.push(['postcode', postcodeSearchKey(query.postcode)]);
    if (query.nhsNumber) keys.push(['nhsNumber', query.nhsNumber]);
    if (keys.length === 0) return this.all;
    const lists = keys.map(([field, key]) => this.indexes[field].get(key) ?? []);
    const [smallest, ...others] = lists.sort((a, b) => a.length - b.length);
    const rest = others.map((list) => new Set(list));
    return (smallest ?? []).filter((entry) => rest.every((set) => set.has(entry)));
  }

  /** Social care items of a client; a duplicate registration has none, its history sits with the first. */
  history(entry: ClientEntry) {
    if (entry.record.duplicateOf) return undefined;
    return this.context.histories.forSystem(entry.record.personId, 'social-care');
  }

  /**
   * When each client's record last changed, oldest first, worked out from the dates of their
   * items. Built on first use, a chunk at a time so the event loop keeps serving other systems.
   */
  changes(): Promise<ClientChange[]> {
    this.changeLog ??= this.buildChangeLog();
    return this.changeLog;
  }

  private async buildChangeLog(): Promise<ClientChange[]> {
    const changes: ClientChange[] = [];
    for (let start = 0; start < this.all.length; start += CHANGE_LOG_CHUNK) {
      for (const entry of this.all.slice(start, start + CHANGE_LOG_CHUNK)) {
        changes.push({ clientId: entry.record.localId, lastUpdated: new Date(`${this.lastUpdated(entry)}T00:00:00Z`).toISOString() });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return changes.sort((a, b) => a.lastUpdated.localeCompare(b.lastUpdated) || clientNumber(a.clientId) - clientNumber(b.clientId));
  }

  private lastUpdated(entry: ClientEntry): string {
    const today = this.context.population.referenceDate;
    const history = this.history(entry);
    if (!history) {
      // A duplicate registration: made some time in the last two years.
      const daysAgo = (hashSeed(this.context.population.seed, 'social-care-duplicate', entry.record.localId) >>> 0) % 730;
      return isoDate(dayNumber(today) - daysAgo);
    }
    const dates = [
      ...history.assessments.flatMap((item) => [item.recordedAt, item.date]),
      ...history.carePackages.flatMap((item) => [item.recordedAt, item.start, item.end]),
      ...history.carePlans.flatMap((item) => [item.recordedAt, item.start, item.end]),
      ...history.encounters.flatMap((item) => [item.recordedAt, item.start, item.end]),
      history.allocatedWorkers['social-care']?.since,
    ];
    let latest = '';
    for (const date of dates) {
      const day = date?.slice(0, 10);
      if (day && day <= today && day > latest) latest = day;
    }
    return latest || today;
  }

  private render(record: SystemRecord): SocialCareClient {
    const careFirst = hashSeed(this.context.population.seed, 'carefirst', record.localId) >>> 0;
    return {
      clientId: record.localId,
      careFirstId: careFirst % 1000 < CAREFIRST_SHARE_PER_THOUSAND ? `CF${String(careFirst % 10_000_000).padStart(7, '0')}` : null,
      title: record.title ?? null,
      forename: record.given,
      middleNames: record.middle ?? null,
      surname: record.family.toUpperCase(),
      dateOfBirth: ukDate(record.birthDate),
      dateOfDeath: record.deathDate ? ukDate(record.deathDate) : null,
      gender: record.sex === 'male' ? 'M' : 'F',
      nhsNumber: record.nhsNumber ? spacedNhsNumber(record.nhsNumber) : null,
      address: oneLineAddress(record.address),
      telephone: record.phone ?? null,
    };
  }
}

function clientNumber(clientId: string): number {
  return Number(clientId.replace(/\D/g, ''));
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
