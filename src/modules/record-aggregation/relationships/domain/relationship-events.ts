import type { RelationshipEvent } from '../../../governance/index.js';
import type { CareEventKind, SourceKind } from '../../../source-connectors/index.js';

// Turns what the hub already holds about a person (their source identities and the HL7 feed's
// care events) into the events the access policy decides on. Pure: the service reads, this maps.
//
// Not derived yet, because no source tells the hub about them: referrals (no e-RS or referral
// feed) and care team membership (no care team source). The policy's types for them stand ready.

/** A current source identity of the person. */
export interface IdentityFact {
  sourceId: string;
  localId: string;
  /** The GP practice (ODS code) this source says the person is registered with. */
  gpPracticeCode: string | null;
  firstSeenAt: Date;
}

/** A registered source, as far as the mapping needs it. */
export interface SourceFact {
  id: string;
  organisationCode: string;
  kind: SourceKind;
}

/** A care event from the HL7 feed, for a (facility, local id) of one of the person's identities. */
export interface CareEventFact {
  facility: string;
  localId: string;
  kind: CareEventKind;
  eventTime: Date | null;
  visitNumber: string | null;
  recordedAt: Date;
  sequence: number;
}

/**
 * Whether a source's identities are patients of an HL7 feed: the feed's sending facility is the
 * organisation of a registered source that is neither a GP system nor PDS (as FeedPatients maps it).
 */
export function sendsCareEvents(source: Pick<SourceFact, 'kind'>): boolean {
  return source.kind !== 'gp' && source.kind !== 'pds';
}

/** The (facility, local id) pairs whose care events belong to the person. */
export function feedPatientsOf(
  identities: readonly IdentityFact[],
  sources: readonly SourceFact[],
): { facility: string; localId: string }[] {
  const byId = new Map(sources.map((source) => [source.id, source]));
  const seen = new Map<string, { facility: string; localId: string }>();
  for (const identity of identities) {
    const source = byId.get(identity.sourceId);
    if (!source || !sendsCareEvents(source)) continue;
    seen.set(`${source.organisationCode}|${identity.localId}`, { facility: source.organisationCode, localId: identity.localId });
  }
  return [...seen.values()];
}

const iso = (date: Date) => date.toISOString();
const code = (value: string) => value.trim().toUpperCase();

/** GP registrations and social care allocations, from which sources hold the person. */
function identityEvents(identities: readonly IdentityFact[], sources: readonly SourceFact[]): RelationshipEvent[] {
  const byId = new Map(sources.map((source) => [source.id, source]));
  // One event per organisation, from the earliest identity that shows it.
  const registrations = new Map<string, Date>();
  const allocations = new Map<string, Date>();
  const earliest = (into: Map<string, Date>, organisation: string, date: Date) => {
    const known = into.get(organisation);
    if (!known || date < known) into.set(organisation, date);
  };
  for (const identity of identities) {
    const source = byId.get(identity.sourceId);
    // Any source may name the practice (PDS does, GP Connect and hospitals often do).
    if (identity.gpPracticeCode?.trim()) earliest(registrations, code(identity.gpPracticeCode), identity.firstSeenAt);
    if (!source) continue;
    // A GP system holds only the practice's registered patients.
    if (source.kind === 'gp') earliest(registrations, code(source.organisationCode), identity.firstSeenAt);
    // An approximation until the social care connector exposes allocations: a council's case
    // management system holding the person stands for an open allocation with that council.
    if (source.kind === 'social-care') earliest(allocations, code(source.organisationCode), identity.firstSeenAt);
  }
  // No end date: the identity is current (its link is active), so the registration is too.
  return [
    ...[...registrations].map(([organisationCode, date]): RelationshipEvent => ({
      kind: 'gp-registration',
      organisationCode,
      date: iso(date),
    })),
    ...[...allocations].map(([organisationCode, date]): RelationshipEvent => ({
      kind: 'social-care-allocation',
      organisationCode,
      date: iso(date),
    })),
  ];
}

interface Stay {
  visitNumber: string | null;
  admitted: Date;
  discharged?: Date;
  cancelled?: boolean;
}

/**
 * Admissions (with their discharge) and attendances of one patient at one facility, replaying the
 * feed in the order the events happened: A01 opens a stay, A03 closes it, A11 cancels the
 * admission and A13 the discharge; a new admission ends a stay still open. A discharge with no
 * admission heard (the feed started after it) still shows a stay, dated at the discharge. Transfers, pre-admissions and results give no
 * relationship of their own.
 */
function stayEvents(organisationCode: string, events: readonly CareEventFact[]): RelationshipEvent[] {
  const when = (event: CareEventFact) => event.eventTime ?? event.recordedAt;
  const ordered = [...events].sort((a, b) => when(a).getTime() - when(b).getTime() || a.sequence - b.sequence);
  const stays: Stay[] = [];
  const attendances: Date[] = [];
  // The stay an event is about: same visit number if both have one, else the latest that fits.
  const find = (event: CareEventFact, fits: (stay: Stay) => boolean) => {
    const candidates = stays.filter((stay) => !stay.cancelled && fits(stay));
    const sameVisit = candidates.filter((stay) => event.visitNumber && stay.visitNumber === event.visitNumber);
    if (sameVisit.length) return sameVisit.at(-1);
    // Another visit's number names another stay; without numbers on both sides, the latest.
    return candidates.filter((stay) => !event.visitNumber || !stay.visitNumber).at(-1);
  };
  for (const event of ordered) {
    const at = when(event);
    switch (event.kind) {
      case 'admission': {
        const open = stays.filter((stay) => !stay.cancelled && stay.discharged === undefined);
        // A resent A01 for a stay already open is the same stay.
        if (event.visitNumber && open.some((stay) => stay.visitNumber === event.visitNumber)) break;
        // Nobody is admitted to one hospital twice at once: a new admission ends a stay whose
        // discharge the feed never sent, so a lost A03 does not leave the hospital a relationship for ever.
        for (const stay of open) stay.discharged = at;
        stays.push({ visitNumber: event.visitNumber, admitted: at });
        break;
      }
      case 'cancel-admission': {
        const stay = find(event, (candidate) => candidate.discharged === undefined);
        if (stay) stay.cancelled = true;
        break;
      }
      case 'discharge': {
        const stay = find(event, (candidate) => candidate.discharged === undefined);
        if (stay) stay.discharged = at;
        else stays.push({ visitNumber: event.visitNumber, admitted: at, discharged: at });
        break;
      }
      case 'cancel-discharge': {
        const stay = find(event, (candidate) => candidate.discharged !== undefined);
        if (stay) delete stay.discharged;
        break;
      }
      case 'attendance':
        attendances.push(at);
        break;
      default:
        break;
    }
  }
  return [
    ...stays
      .filter((stay) => !stay.cancelled)
      .map((stay): RelationshipEvent => ({
        kind: 'admission',
        organisationCode,
        date: iso(stay.admitted),
        ...(stay.discharged ? { dischargeDate: iso(stay.discharged) } : {}),
      })),
    ...attendances.map((date): RelationshipEvent => ({ kind: 'attendance', organisationCode, date: iso(date) })),
  ];
}

/**
 * The person's relationship events: GP registrations, social care allocations, hospital
 * admissions and attendances. Events that start after `now` are left out (the policy would
 * ignore them anyway). Order: identity-derived events first, then stays by facility.
 */
export function relationshipEventsOf(
  input: {
    identities: readonly IdentityFact[];
    sources: readonly SourceFact[];
    careEvents: readonly CareEventFact[];
  },
  now: Date,
): RelationshipEvent[] {
  const patients = new Set(feedPatientsOf(input.identities, input.sources).map((patient) => `${patient.facility}|${patient.localId}`));
  const byPatient = new Map<string, CareEventFact[]>();
  for (const event of input.careEvents) {
    const key = `${event.facility}|${event.localId}`;
    // Only the person's own patients' events, whatever the caller read.
    if (!patients.has(key)) continue;
    byPatient.set(key, [...(byPatient.get(key) ?? []), event]);
  }
  const events = [
    ...identityEvents(input.identities, input.sources),
    ...[...byPatient.values()].flatMap((events) => stayEvents(code(events[0]!.facility), events)),
  ];
  return events.filter((event) => Date.parse(event.date) <= now.getTime());
}
