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
      testMatch: ['<rootDir>/test/cluster/**/*.spec.ts'],
    },
  ],
};
