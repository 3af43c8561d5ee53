import { boundaryViolation, locate } from './module-boundaries.js';

const root = '/repo';
const at = (file: string) => locate(`${root}/${file}`, root);
const importing = (from: string, to: string) => boundaryViolation(at(from), at(to));

describe('module boundaries', () => {
  it('lets a module use another module only through its index', () => {
    expect(importing('src/modules/portal/portal.module.ts', 'src/modules/governance/index')).toBeNull();
    expect(importing('src/modules/portal/graphql/person.resolver.ts', 'src/modules/governance/entities/consent.entity')).toBe(
      'import modules/governance through its index.ts, not entities/consent.entity',
    );
  });

  it('lets a module use its own insides freely', () => {
    expect(importing('src/modules/operations/operations.module.ts', 'src/modules/operations/jobs/record-queue-heartbeat.job')).toBeNull();
  });

  it('keeps the ground free of the product', () => {
    expect(importing('src/platform/queue/queues.ts', 'src/modules/operations/index')).toBe(
      'platform/ must not import a module (modules/operations)',
    );
    expect(importing('src/fhir/nhs-number.ts', 'src/modules/governance/index')).toBe('fhir/ must not import a module (modules/governance)');
    expect(importing('src/fhir/nhs-number.ts', 'src/platform/config/index')).toBe('fhir/ must not import the platform');
  });

  it('reaches platform parts through their index from outside, freely from inside', () => {
    expect(importing('src/modules/operations/operations.service.ts', 'src/platform/queue/index')).toBeNull();
    expect(importing('src/modules/operations/operations.service.ts', 'src/platform/queue/dead-letters')).toBe(
      'import platform/queue through its index.ts, not dead-letters',
    );
    expect(importing('src/platform/queue/worker-host.ts', 'src/platform/observability/metrics.service')).toBeNull();
  });

  it('keeps the sandbox on the far side of the network', () => {
    expect(importing('src/modules/source-connectors/index.ts', 'src/sandbox/gp-system')).toMatch(/only over the network/);
    expect(importing('src/sandbox/gp-system.ts', 'src/modules/governance/index')).toMatch(/must not import the product/);
    expect(importing('src/sandbox/gp-system.ts', 'src/fhir/index')).toBeNull();
    // Even a test beside product code may not: tests that start the sandbox live under test/.
    expect(importing('src/modules/source-connectors/connectors/fhir-r4.connector.spec.ts', 'src/sandbox/server/sandbox-server')).toMatch(
      /only over the network/,
    );
    expect(
      importing('test/integration/source-connectors/connectors/fhir-r4.connector.int-spec.ts', 'src/sandbox/server/sandbox-server'),
    ).toBeNull();
  });

  it('leaves tests and tools alone', () => {
    expect(importing('test/e2e/hub.e2e-spec.ts', 'src/modules/operations/jobs/record-queue-heartbeat.job')).toBeNull();
  });
});
