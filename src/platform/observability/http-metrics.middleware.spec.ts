import { routeLabel } from './http-metrics.middleware.js';

describe('routeLabel', () => {
  it('uses the route template, not the path', () => {
    expect(routeLabel({ baseUrl: '', route: { path: '/health/ready' } })).toBe('/health/ready');
    expect(routeLabel({ baseUrl: '/fhir', route: { path: '/Patient/:id' } })).toBe('/fhir/Patient/:id');
  });

  it('drops the wildcard of catch-all mounts', () => {
    expect(routeLabel({ baseUrl: '', route: { path: '/graphql{/*splat}' } })).toBe('/graphql');
    expect(routeLabel({ baseUrl: '/graphql', route: { path: '/graphql{/*splat}' } })).toBe('/graphql');
    expect(routeLabel({ baseUrl: '', route: { path: '/app/*rest' } })).toBe('/app');
  });

  it('labels requests no route matched as unmatched', () => {
    expect(routeLabel({ baseUrl: '', route: { path: '{/*splat}' } })).toBe('unmatched');
    expect(routeLabel({ baseUrl: '', route: undefined })).toBe('unmatched');
  });
});
