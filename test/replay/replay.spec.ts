/**
 * Replays every recorded history under test/replay/histories/ against today's workflow code: a change that breaks
 * determinism for cases already running fails here. Record new histories with test/replay/record-history.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from './history-json';
import { Worker } from '@temporalio/worker';
import { quietRuntime, workflowBundle } from '../support/temporal';

const dir = join(__dirname, 'histories');

function recordedHistories(): Array<{ file: string; workflowId: string; history: ReturnType<typeof historyFromJSON> }> {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return files.map((file) => ({ file, workflowId: file.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8'))) }));
}

describe('replay of recorded histories', () => {
  const histories = recordedHistories();

  it('has the representative parcours histories', () => {
    const names = histories.map((h) => h.file);
    expect(names.some((n) => n.startsWith('parcours-happy-path'))).toBe(true);
    expect(names.some((n) => n.startsWith('parcours-consent-expiry'))).toBe(true);
    // a closed case held, then purged into its tombstone (DOMAIN.md §5)
    expect(names).toEqual(expect.arrayContaining(['parcours-retention.run1.json', 'parcours-retention.run2.json']));
    // notifications recorded by local activities (issue 17): recorded after the patch, beside the older histories
    expect(names).toEqual(expect.arrayContaining(['parcours-local-notify.run1.json']));
  });

  it('replays every history without a nondeterminism error', async () => {
    quietRuntime();
    const failures: string[] = [];
    const results = Worker.runReplayHistories({ ...workflowBundle() }, histories.map(({ workflowId, history }) => ({ workflowId, history })));
    for await (const r of results) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
