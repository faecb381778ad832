/**
 * Issue 13, row 1: `POST /codec/decode` from 127.0.0.1 without a token used to answer a child's referral in clear
 * on `npm start` and `npm run start:api` (development defaults), behind a same-host proxy and for a référent who
 * drops a refused token. Run as real processes with their development defaults, both now answer 401 problem+json
 * to every tokenless call and write no decode in the audit trail; a supervisor's token still decodes (and is audited).
 */
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { freePort } from '../../src/dev/dev-server';
import { killTree, spawnCaptured, waitFor, type Started } from '../support/processes';
import { devServerAddress } from '../support/temporal';

const root = join(__dirname, '..', '..');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP call to 127.0.0.1 (Host and proxy headers as given: fetch would not let a test set Host). */
function call(port: number, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** A token signed with the secret the process generated into its data folder (as `npm run token` does). */
async function tokenFor(dataDir: string, sub: string, roles: string[]): Promise<string> {
  const secret = new TextEncoder().encode(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim());
  return new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('pre-orchestrator-dev').setAudience('pre-orchestrator').setIssuedAt().setExpirationTime('10m').sign(secret);
}

async function checkNoTokenlessDecode(run: Started, port: number, dataDir: string): Promise<void> {
  const supervisor = await tokenFor(dataDir, 'u-sup-1', ['supervisor']);
  const clear = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"Lina Benali, 12 rue Jean de Cirey"').toString('base64') }] };
  const encoded = await call(port, '/codec/encode', { Authorization: `Bearer ${supervisor}` }, clear);
  expect(encoded.status).toBe(200);
  const cipher = JSON.parse(encoded.body) as unknown;
  expect(encoded.body).not.toContain(clear.payloads[0].data);

  const referent = await tokenFor(dataDir, 'u-ref-1', ['referent']);
  const tokenless: Array<[string, Record<string, string>]> = [
    ['Host localhost', { Host: `localhost:${port}` }],
    ['Host 127.0.0.1', { Host: `127.0.0.1:${port}` }],
    ['the Temporal UI, no session', { Host: `localhost:${port}`, 'X-Namespace': 'default' }],
    ['a same-host reverse proxy, any Host', { Host: 'pre.example.org', 'X-Forwarded-For': '203.0.113.7' }],
    ['a référent who drops the refused token', { Host: `localhost:${port}` }],
  ];
  const refusedByReferent = await call(port, '/codec/decode', { Authorization: `Bearer ${referent}` }, cipher);
  expect(refusedByReferent.status).toBe(403);
  for (const [name, headers] of tokenless) {
    const res = await call(port, '/codec/decode', headers, cipher);
    expect({ name, status: res.status, type: res.headers['content-type'], body: JSON.parse(res.body) }).toEqual({
      name,
      status: 401,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: {
        type: 'urn:pre-orchestrator:problem:unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: 'A supervisor or coordinator is required: an "Authorization: Bearer <token>" header, or the codec session cookie (POST /codec/session).',
        instance: '/codec/decode',
      },
    });
    expect(res.body).not.toContain('Lina');
  }
  expect(run.output()).not.toContain('"audit":"codec.decode"'); // nothing decoded, nothing to audit
  // the control: a supervisor decodes, and that decode is in the audit trail (without the text)
  const ok = await call(port, '/codec/decode', { Authorization: `Bearer ${supervisor}`, 'X-Workflow-Id': 'parcours-PRE-2026-000001' }, cipher);
  expect(ok.status).toBe(200);
  expect(Buffer.from((JSON.parse(ok.body) as typeof clear).payloads[0].data, 'base64').toString()).toBe('"Lina Benali, 12 rue Jean de Cirey"');
  const started = Date.now();
  while (!run.output().includes('"audit":"codec.decode"') && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 100));
  const audit = run.output().split('\n').filter((l) => l.includes('"audit":"codec.decode"'));
  expect(audit).toHaveLength(1);
  expect(JSON.parse(audit[0])).toMatchObject({ sub: 'u-sup-1', via: 'bearer', workflowId: 'parcours-PRE-2026-000001', encrypted: 1 });
  expect(audit[0]).not.toContain('Lina');
}

describe('no tokenless decryption, in any deployment (issue 13, row 1)', () => {
  jest.setTimeout(240_000);

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'ensure-build.js')], { cwd: root, stdio: 'ignore' });
  });

  const devEnv = (extra: Record<string, string>) => ({ ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', PRE_CODEC_KEYS: '', JWT_SECRET: '', ...extra });

  it('npm run start:api (development defaults, against a cluster): 401 to every tokenless decode from 127.0.0.1', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'api-'));
    const run = spawnCaptured(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
      cwd: root,
      env: devEnv({ PORT: String(port), TEMPORAL_ADDRESS: devServerAddress(), PRE_DATA_DIR: dataDir, WORKER_METRICS_PORT: '0' }),
    });
    try {
      await waitFor(`http://127.0.0.1:${port}/health/live`, 200, 60_000, [run]);
      await checkNoTokenlessDecode(run, port, dataDir);
    } finally {
      killTree(run);
    }
  });

  it('npm start (the embedded default: dev server, worker and API in one process): 401 to every tokenless decode from 127.0.0.1', async () => {
    const [port, devPort, uiPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const dataDir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'embedded-'));
    const run = spawnCaptured(process.execPath, [join(root, 'dist', 'src', 'dev.js')], {
      cwd: root,
      env: devEnv({ PORT: String(port), TEMPORAL_ADDRESS: '', TEMPORAL_DEV_PORT: String(devPort), TEMPORAL_UI_PORT: String(uiPort), WORKER_METRICS_PORT: String(metricsPort), PRE_DATA_DIR: dataDir }),
    });
    try {
      await waitFor(`http://127.0.0.1:${port}/health/ready`, 200, 180_000, [run]);
      await checkNoTokenlessDecode(run, port, dataDir);
      run.child.kill('SIGTERM');
      await run.exited;
    } finally {
      killTree(run);
    }
  });
});
