/**
 * `npm run test:cluster` only (not part of `npm test`): the production topology on PostgreSQL, with its own processes
 * (test/cluster/cluster.ts); no shared dev server.
 */
module.exports = {
  testTimeout: 600000,
  projects: [
    {
      preset: 'ts-jest',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
      displayName: 'cluster',
      // never crawl the built binaries (.tools/ holds the Go module cache), the build output or the data folders
      roots: ['<rootDir>/test', '<rootDir>/src', '<rootDir>/workflows', '<rootDir>/activities'],
      modulePathIgnorePatterns: ['<rootDir>/.tools/', '<rootDir>/dist/', '<rootDir>/.data/'],
      testMatch: ['<rootDir>/test/cluster/**/*.spec.ts'],
    },
  ],
};
