/** Three projects: pure unit tests need no server; workflow and e2e tests share one dev server per run. */
const withServer = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
};
module.exports = {
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/test/security/**/*.unit.spec.ts'] },
    { ...common, ...withServer, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.spec.ts', '<rootDir>/test/replay/**/*.spec.ts'] },
    { ...common, ...withServer, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts', '<rootDir>/test/resilience/**/*.spec.ts', '<rootDir>/test/security/**/!(*.unit).spec.ts'] },
  ],
};
