import type { AccessPolicy, PolicySection } from './access-policy.js';

/** Whether an ODS code is named by a pattern: the code itself, or a prefix ending in `*` (F83*). */
export function organisationMatches(pattern: string, code: string): boolean {
  const wanted = code.toUpperCase();
  return pattern.endsWith('*') ? wanted.startsWith(pattern.slice(0, -1)) : wanted === pattern;
}

const anyMatches = (patterns: readonly string[], code: string) => patterns.some((pattern) => organisationMatches(pattern, code));

/**
 * The names of the networks and agreements under which `section` of `sourceOrg`'s data may reach
 * `requestingOrg` (empty: none). Networks share both ways among their members; agreements one way.
 */
export function sharingBasesFor(policy: AccessPolicy, sourceOrg: string, requestingOrg: string, section: PolicySection): string[] {
  const names: string[] = [];
  for (const network of policy.sharing.networks) {
    if (
      network.sections.includes(section) &&
      anyMatches(network.organisations, sourceOrg) &&
      anyMatches(network.organisations, requestingOrg)
    )
      names.push(network.name);
  }
  for (const agreement of policy.sharing.agreements) {
    if (agreement.sections.includes(section) && anyMatches(agreement.from, sourceOrg) && anyMatches(agreement.to, requestingOrg))
      names.push(agreement.name);
  }
  return names;
}
