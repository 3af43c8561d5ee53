import type { AccessPolicy } from './access-policy.js';

// Evidence that a professional's organisation is caring for the person, from events the hub
// already holds (GP registrations, encounters, referrals, social care allocations, care teams).

/** Dates are ISO 8601 (a date or a date-time). Ongoing events have no end. */
export type RelationshipEvent =
  | { kind: 'gp-registration'; organisationCode: string; date: string; endDate?: string }
  | { kind: 'admission'; organisationCode: string; date: string; dischargeDate?: string }
  | { kind: 'attendance'; organisationCode: string; date: string }
  | { kind: 'referral'; organisationCode: string; date: string }
  | { kind: 'social-care-allocation'; organisationCode: string; date: string; closedDate?: string }
  /** `memberSubject`, when known, ties the membership to one user (their identity provider subject). */
  | { kind: 'care-team-membership'; organisationCode: string; date: string; endDate?: string; memberSubject?: string };

export type RelationshipKind = RelationshipEvent['kind'];

const DAY_MS = 86_400_000;

function time(value: string): number {
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? Number.NaN : parsed;
}

/** Whether an event still gives a relationship at `now`, by the policy's windows. Future-dated events never do. */
export function eventIsCurrent(event: RelationshipEvent, policy: AccessPolicy, now: Date): boolean {
  const windows = policy.relationships;
  const at = now.getTime();
  const started = time(event.date);
  if (Number.isNaN(started) || started > at) return false;
  const within = (end: string | undefined, graceDays: number) => {
    if (end === undefined) return true;
    const ended = time(end);
    return !Number.isNaN(ended) && at - ended <= graceDays * DAY_MS;
  };
  switch (event.kind) {
    case 'gp-registration':
      return within(event.endDate, windows.gpRegistrationEndedGraceDays);
    case 'admission':
      // Counted from discharge: an inpatient today, or discharged within the window.
      return within(event.dischargeDate, windows.admissionWindowDays);
    case 'attendance':
      return at - started <= windows.attendanceWindowDays * DAY_MS;
    case 'referral':
      return at - started <= windows.referralWindowDays * DAY_MS;
    case 'social-care-allocation':
      return within(event.closedDate, windows.socialCareAllocationClosedGraceDays);
    case 'care-team-membership':
      return within(event.endDate, windows.careTeamEndedGraceDays);
  }
}

/**
 * The first current event that ties the requesting organisation (and, for care teams naming a
 * member, the user) to the person; undefined when there is none.
 */
export function findRelationship(
  evidence: readonly RelationshipEvent[],
  requester: { organisationCode: string; subject: string },
  policy: AccessPolicy,
  now: Date,
): RelationshipEvent | undefined {
  const organisation = requester.organisationCode.toUpperCase();
  return evidence.find((event) => {
    if (event.organisationCode.toUpperCase() !== organisation) return false;
    if (event.kind === 'care-team-membership' && event.memberSubject !== undefined && event.memberSubject !== requester.subject)
      return false;
    return eventIsCurrent(event, policy, now);
  });
}
