// Jest compiles our TypeScript and the ESM-only packages (NestJS 12 and friends) to CommonJS
// with SWC; see docs/adr/0001-esm-app-commonjs-tests.md for why.
const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: {
      parser: syntax === 'typescript' ? { syntax, decorators: true } : { syntax },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs', ignoreDynamic: false },
    sourceMaps: 'inline',
  },
];

const shared = {
  transform: {
    '^.+\\.ts$': swc('typescript'),
    '^.+\\.m?js$': swc('ecmascript'),
  },
  // Packages that ship only ES modules must be compiled too; everything else is left alone.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|nestjs-pino|@as-integrations|uid|file-type|strtok3|token-types|@tokenizer|uint8array-extras|load-esm|jose|fhir-kit-client)/)',
  ],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // fhir-kit-client's exports map offers `import` only, which Jest's CommonJS resolver does not take.
    '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/eslint-rules/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
  // Two cores: one worker per core keeps the services' latency honest.
  maxWorkers: 2,
  testTimeout: 30_000,
};
