// Cross-cutting HTTP markers the platform's own controllers need without importing a module,
// and the request rate limiter (keyed by whatever the caller chooses; governance keys it by principal).
export { Public, PUBLIC_ROUTE, RequireRoles, REQUIRED_ROLES } from './public-route.js';
export { RequestRateLimiter, countRequest, type RateVerdict, type RateUncounted } from './rate-limit.js';
