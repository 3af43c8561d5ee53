// The master person index: persons, source identities, links, matching, review and merges.
// Not built yet (issue 5): the module is wired into the app so its place and boundaries exist.
export { IdentityMatchingModule } from './identity-matching.module.js';
