// The professionals' GraphQL API and the read-only FHIR facade.
// Not built yet (issue 8): the module is wired into the app so its place and boundaries exist.
export { PortalModule } from './portal.module.js';
