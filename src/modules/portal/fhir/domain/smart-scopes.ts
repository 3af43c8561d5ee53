import type { Principal } from '../../../governance/index.js';

// SMART on FHIR scopes (v1 `user/*.read`, v2 `user/*.rs`) as the facade applies them, on top of
// the access policy and never instead of it: a scope can narrow what a token reaches, never widen
// what the policy lets its holder see.
//
// A token is held to its SMART scopes only when it carries at least one. CIS2 and NHS login put
// OpenID Connect scopes in `scope` (`openid profile nationalrbacaccess ...`) and no SMART scope at
// all; those tokens, and tokens without a `scope` claim, get the API's default: what the policy
// allows. A token that does speak SMART and names none that covers the request is refused
// `insufficient-scope`.

export type FhirInteraction = 'read' | 'search';

/** The launch context a principal's SMART scopes must name: staff act as users, residents and their carers in a patient's context, services as systems. */
const CONTEXTS: Record<Principal['kind'], readonly string[]> = {
  professional: ['user'],
  operator: ['user'],
  'privacy-officer': ['user'],
  analyst: ['user'],
  resident: ['patient'],
  carer: ['patient'],
  service: ['system'],
};

interface ScopeGrant {
  context: string;
  resourceType: string;
  read: boolean;
  search: boolean;
}

const SMART_SCOPE = /^(user|patient|system)\//;
// v2: permissions are a subset of c r u d s in that order; a query part (`?category=...`) narrows
// to resources the facade cannot filter by, so such a scope grants nothing here rather than too much.
const V2 = /^(user|patient|system)\/(\*|[A-Z][A-Za-z]{1,63})\.(c?r?u?d?s?)$/;
const V1 = /^(user|patient|system)\/(\*|[A-Z][A-Za-z]{1,63})\.(read|write|\*)$/;

/** What one scope grants, or nothing when it is not a SMART resource scope the facade understands. */
export function parseSmartScope(scope: string): ScopeGrant | undefined {
  const v1 = V1.exec(scope);
  if (v1) {
    const reads = v1[3] !== 'write';
    return { context: v1[1]!, resourceType: v1[2]!, read: reads, search: reads };
  }
  const v2 = V2.exec(scope);
  if (v2 && v2[3]) return { context: v2[1]!, resourceType: v2[2]!, read: v2[3].includes('r'), search: v2[3].includes('s') };
  return undefined;
}

/** Whether the token speaks SMART at all (see above): only then is it held to its scopes. */
export function carriesSmartScopes(principal: Principal): boolean {
  return (principal.scopes ?? []).some((scope) => SMART_SCOPE.test(scope));
}

/** Whether the principal's token lets it do `interaction` on `resourceType` through the facade. */
export function scopePermits(principal: Principal, resourceType: string, interaction: FhirInteraction): boolean {
  if (!carriesSmartScopes(principal)) return true;
  const contexts = CONTEXTS[principal.kind];
  return (principal.scopes ?? []).some((scope) => {
    const grant = parseSmartScope(scope);
    return (
      grant !== undefined &&
      contexts.includes(grant.context) &&
      (grant.resourceType === '*' || grant.resourceType === resourceType) &&
      grant[interaction]
    );
  });
}
