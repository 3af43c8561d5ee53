// Cross-cutting HTTP markers the platform's own controllers need without importing a module.
export { Public, PUBLIC_ROUTE, RequireRoles, REQUIRED_ROLES } from './public-route.js';
