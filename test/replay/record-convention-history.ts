/**
 * Records the representative convention histories into test/replay/histories/ (commit the JSON files):
 *
 *   PRE_RECORD_HISTORIES=1 npx jest --selectProjects workflows --testMatch '<rootDir>/test/replay/record-convention-history.ts'
 *
 * Not a spec (the name does not match *.spec.ts): `npm test` replays the committed files, it never rewrites them.
 */
import { join } from 'node:path';
import { timeSkippingEnv } from '../support/temporal';
import { recordConventionHistories } from './convention.histories';

const enabled = process.env.PRE_RECORD_HISTORIES === '1';

describe('record convention histories', () => {
  if (!enabled) {
    it('records only on demand (PRE_RECORD_HISTORIES=1)', () => undefined);
    return;
  }
  it('records the representative histories', async () => {
    const env = await timeSkippingEnv();
    try {
      const files = await recordConventionHistories(env, join(__dirname, 'histories'));
      expect(files.length).toBeGreaterThanOrEqual(5);
    } finally {
      await env.teardown();
    }
  }, 600_000); // recording runs several cases through months of timers: minutes on a busy machine
});
