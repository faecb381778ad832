/**
 * The embedded default end to end: `npm start` on free ports in a temporary data folder starts the dev
 * server (with its Web UI), a worker and the API; SIGTERM stops all of them, leaving no process behind.
 */
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, descendants, killTree, spawnCaptured, startOnFreePorts, type Started } from '../support/processes';
import { REFERRAL } from '../support/api-examples';

const root = join(__dirname, '..', '..');

function npmStart(env: Record<string, string>): Started {
  return spawnCaptured('npm', ['start', '--silent'], { cwd: root, env: { ...process.env, ...env, TEMPORAL_ADDRESS: '', NODE_ENV: 'development' } });
}

function embeddedEnv([port, devPort, uiPort, metricsPort]: number[], dataDir: string): Record<string, string> {
  return { PORT: String(port), TEMPORAL_DEV_PORT: String(devPort), TEMPORAL_UI_PORT: String(uiPort), WORKER_METRICS_PORT: String(metricsPort), PRE_DATA_DIR: dataDir };
}

/** `npm start` on four free ports (API, dev server, UI, worker metrics), ready. */
function startEmbedded(dataDir: string): Promise<{ run: Started; ports: number[] }> {
  return startOnFreePorts(4, (ports) => npmStart(embeddedEnv(ports, dataDir)), ([port]) => `http://127.0.0.1:${port}/health/ready`, 180_000);
}

/** A coordinator token signed with the secret the embedded default generated into its data folder. */
async function coordinatorToken(dataDir: string): Promise<string> {
  const secret = new TextEncoder().encode(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim());
  return new SignJWT({ roles: ['coordinator'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-coord-1')
    .setIssuer('pre-orchestrator-dev').setAudience('pre-orchestrator').setExpirationTime('10m').sign(secret);
}

async function stopAndCheck(run: Started): Promise<void> {
  const children = descendants(run.child.pid!);
  run.child.kill('SIGTERM');
  await run.exited;
  const started = Date.now();
  while (children.some(alive) && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 200));
  expect(children.filter(alive)).toEqual([]);
}

describe('npm start (embedded default)', () => {
  jest.setTimeout(240_000);

  it('starts the dev server with its UI, a worker and the API; SIGTERM stops every process', async () => {
    const dataDir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'embedded-'));
    const { run, ports } = await startEmbedded(dataDir);
    const [port, , uiPort, metricsPort] = ports;
    try {
      const ready = await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json();
      expect(ready).toEqual({ status: 'ready', temporal: 'up', workers: expect.any(Number), taskQueue: 'pre-orchestrator' });
      expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/docs-json`)).status).toBe(200);
      const sdkMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(sdkMetrics).toMatch(/temporal_/);
      expect(run.output()).toContain(`Temporal UI    http://localhost:${uiPort}`);
      expect(run.output()).toContain('npm run token');
      expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);

      const children = descendants(run.child.pid!);
      expect(children.length).toBeGreaterThanOrEqual(2); // node dev.js and the temporal dev server (npm may add a shell)
      run.child.kill('SIGTERM');
      // npm forwards the signal to the service and then ends by the same signal
      const { code, signal } = await run.exited;
      expect(code === 0 || signal === 'SIGTERM').toBe(true);
      const started = Date.now();
      while (children.some(alive) && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 200));
      expect(children.filter(alive)).toEqual([]);
      expect(run.output()).toContain('"stopped"');
    } finally {
      killTree(run);
    }
  });

  it('keeps every workflow across a restart (SQLite file in the data folder)', async () => {
    const dataDir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'embedded-'));
    const { run: first, ports } = await startEmbedded(dataDir);
    const [port] = ports;
    let dossierId: string;
    try {
      const token = await coordinatorToken(dataDir);
      const created = await fetch(`http://127.0.0.1:${port}/parcours`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(REFERRAL),
      });
      expect(created.status).toBe(201);
      const body = (await created.json()) as { dossierId: string; stage: string };
      dossierId = body.dossierId;
      expect(body.stage).toBe('AWAITING_CONSENT');
    } finally {
      await stopAndCheck(first);
    }
    // The same data folder; fresh ports, as the first start's could be taken by any process once they are released
    // (a fresh-clone CI saw the worker's metrics port taken at the restart).
    const { run: second, ports: [secondPort] } = await startEmbedded(dataDir);
    try {
      const token = await coordinatorToken(dataDir);
      const res = await fetch(`http://127.0.0.1:${secondPort}/parcours/${dossierId}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const read = (await res.json()) as { dossierId: string; stage: string; child: { firstName: string } };
      expect(read).toMatchObject({ dossierId, stage: 'AWAITING_CONSENT', child: { firstName: 'Lina' } });
    } finally {
      await stopAndCheck(second);
    }
  });
});
