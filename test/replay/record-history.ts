/**
 * Records the representative parcours histories into test/replay/histories/ (commit the JSON files):
 *
 *   PRE_RECORD_HISTORIES=1 npx jest --selectProjects workflows --testMatch '<rootDir>/test/replay/record-history.ts'
 *
 * Not a spec (the name does not match *.spec.ts): `npm test` replays the committed files, it never rewrites them.
 */
import { join } from 'node:path';
import { timeSkippingEnv } from '../support/temporal';
import { recordParcoursHistories } from './parcours.histories';

const enabled = process.env.PRE_RECORD_HISTORIES === '1';

describe('record parcours histories', () => {
  if (!enabled) {
    it('records only on demand (PRE_RECORD_HISTORIES=1)', () => undefined);
    return;
  }
  it('records the representative histories', async () => {
    const env = await timeSkippingEnv();
    try {
      const files = await recordParcoursHistories(env, join(__dirname, 'histories'));
      expect(files.length).toBeGreaterThanOrEqual(4);
    } finally {
      await env.teardown();
    }
  });
});
