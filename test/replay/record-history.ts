/**
 * Records the representative parcours histories into test/replay/histories/ (commit the JSON files):
 *
 *   PRE_RECORD_HISTORIES=1 npx jest --selectProjects workflows --testMatch '<rootDir>/test/replay/record-history.ts'
 *
 * `PRE_RECORD_HISTORIES=retention` records only the retention chain, `PRE_RECORD_HISTORIES=local-notify` only the case whose
 * notifications are local activities (parcours-local-notify). Recording rewrites the files with today's code:
 * once cases run in production, keep the files recorded before a change to running workflows (a `patched()` branch
 * or a new worker version, docs/architecture.md): they are what proves old histories still replay.
 *
 * Not a spec (the name does not match *.spec.ts): `npm test` replays the committed files, it never rewrites them.
 */
import { join } from 'node:path';
import { timeSkippingEnv } from '../support/temporal';
import { recordLocalNotifyHistory, recordParcoursHistories, recordRetentionHistory } from './parcours.histories';

const mode = process.env.PRE_RECORD_HISTORIES;
const enabled = mode === '1' || mode === 'retention' || mode === 'local-notify';

describe('record parcours histories', () => {
  if (!enabled) {
    it('records only on demand (PRE_RECORD_HISTORIES=1)', () => undefined);
    return;
  }
  it('records the representative histories', async () => {
    const env = await timeSkippingEnv();
    try {
      const dir = join(__dirname, 'histories');
      // The retention chain first: it skips 24 months, and the cases recorded before it would still hold their own
      // retention timers, which fire on a task queue no worker polls any more and stop the clock from skipping.
      const files =
        mode === 'local-notify'
          ? await recordLocalNotifyHistory(env, dir)
          : [...(await recordRetentionHistory(env, dir)), ...(mode === '1' ? await recordParcoursHistories(env, dir) : [])];
      expect(files.length).toBeGreaterThanOrEqual(1);
    } finally {
      await env.teardown();
    }
  }, 600_000); // recording runs several cases through months of timers: minutes on a busy machine
});
