/**
 * Records the representative parcours histories into test/replay/histories/ (commit the JSON files):
 *
 *   PRE_RECORD_HISTORIES=1 npx jest --selectProjects workflows --testMatch '<rootDir>/test/replay/record-history.ts'
 *
 * `PRE_RECORD_HISTORIES=retention` records only the retention chain. Recording everything rewrites the older files
 * with today's code: keep the files recorded before a `patched()` change (they are what guards it).
 *
 * Not a spec (the name does not match *.spec.ts): `npm test` replays the committed files, it never rewrites them.
 */
import { join } from 'node:path';
import { timeSkippingEnv } from '../support/temporal';
import { recordParcoursHistories, recordRetentionHistory } from './parcours.histories';

const mode = process.env.PRE_RECORD_HISTORIES;
const enabled = mode === '1' || mode === 'retention';

describe('record parcours histories', () => {
  if (!enabled) {
    it('records only on demand (PRE_RECORD_HISTORIES=1)', () => undefined);
    return;
  }
  it('records the representative histories', async () => {
    const env = await timeSkippingEnv();
    try {
      const dir = join(__dirname, 'histories');
      const files = [...(mode === '1' ? await recordParcoursHistories(env, dir) : []), ...(await recordRetentionHistory(env, dir))];
      expect(files.length).toBeGreaterThanOrEqual(2);
    } finally {
      await env.teardown();
    }
  });
});
