/** Three projects: pure unit tests need no server; workflow and e2e tests share one dev server per run. */
const withServer = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  // jest's file map never crawls the built binaries' folders (.tools/ holds the Go module cache of the cluster build,
  // thousands of packages, snapshots and package.json files), the build output or the data folders
  roots: ['<rootDir>/test', '<rootDir>/src', '<rootDir>/workflows', '<rootDir>/activities'],
  modulePathIgnorePatterns: ['<rootDir>/.tools/', '<rootDir>/dist/', '<rootDir>/.data/'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/.tools/', '<rootDir>/dist/', '<rootDir>/.data/'],
  watchPathIgnorePatterns: ['<rootDir>/.tools/', '<rootDir>/.data/'],
};
module.exports = {
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/test/security/**/*.unit.spec.ts'] },
    { ...common, ...withServer, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.spec.ts', '<rootDir>/test/replay/**/*.spec.ts'] },
    { ...common, ...withServer, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts', '<rootDir>/test/resilience/**/*.spec.ts', '<rootDir>/test/security/**/!(*.unit).spec.ts'] },
  ],
};
