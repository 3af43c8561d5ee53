// Rules about changes to the index that need no database: which NHS numbers contradict, which
// event kinds can be undone, and which identities an event touched.

/**
 * Two persons contradict when each holds a valid NHS number the other does not: joining them
 * would make one person of two numbers that neither held before. A person whose numbers include
 * all of the other's (or either holding none) adds no contradiction.
 */
export function nhsNumbersContradict(first: readonly string[], second: readonly string[]): boolean {
  if (first.length === 0 || second.length === 0) return false;
  const inFirst = new Set(first);
  const inSecond = new Set(second);
  const firstHasOwn = first.some((number) => !inSecond.has(number));
  const secondHasOwn = second.some((number) => !inFirst.has(number));
  return firstHasOwn && secondHasOwn;
}

/** Kinds of history event a steward can undo. */
export const UNDOABLE_KINDS = ['link', 'unlink', 'merge', 'unmerge', 'review-accepted', 'review-rejected'] as const;
export type UndoableKind = (typeof UNDOABLE_KINDS)[number];

export function isUndoable(kind: string): kind is UndoableKind {
  return (UNDOABLE_KINDS as readonly string[]).includes(kind);
}

/**
 * Kinds that change which person an identity belongs to. A later one of these on the same
 * identity, still in effect, supersedes an earlier change: undoing the earlier one would
 * silently overwrite it.
 */
export const LINK_CHANGING_KINDS = ['link', 'unlink', 'merge', 'unmerge', 'review-accepted'] as const;

/** What the history stores about an event, as far as the identities it touched go. */
export interface TouchingEvent {
  sourceIdentityId: string | null;
  detail: { moved?: Array<{ sourceIdentityId: string }> };
}

/** Every source identity an event (and the events that were part of it) moved or linked, sorted. */
export function touchedIdentities(events: readonly TouchingEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of events) {
    if (event.sourceIdentityId) ids.add(event.sourceIdentityId);
    for (const moved of event.detail.moved ?? []) ids.add(moved.sourceIdentityId);
  }
  // Locks are taken in one order everywhere, so two changes never wait on each other in a circle.
  return [...ids].sort();
}
