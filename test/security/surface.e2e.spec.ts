/**
 * Issue 13, row 8 (surface): security headers on every answer (helmet; the Swagger UI's relaxation on /docs only),
 * `Cache-Control: no-store` on every API answer (case data included, errors too), the worker's metrics and the dev
 * server's Web UI on 127.0.0.1 only, the data folder 0700 and its files 0600 (secrets, keys, the Temporal SQLite
 * file; notifications are kept in Temporal since issue 18, not in a file).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { freePort } from '../../src/dev/dev-server';
import { killTree, spawnCaptured, waitFor } from '../support/processes';
import { startTestApp, type TestApp } from '../support/app';
import { referralOf } from './support';

const root = join(__dirname, '..', '..');
const API_CSP = "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'";

/** Whether a TCP connection to host:port opens. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** This machine's first non-loopback IPv4 address (what another machine of the network would reach). */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('surface: headers, caching, bindings, file modes (issue 13, row 8)', () => {
  jest.setTimeout(240_000);
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends helmet headers and Cache-Control: no-store on every API answer (a case, a list, a 401, a 404), the Swagger relaxation on /docs only', async () => {
    const referent = await t.token('u-ref-1', 'referent');
    const created = await t.http().post('/parcours').set('Authorization', `Bearer ${referent}`).send(referralOf(0));
    expect(created.status).toBe(201);
    const answers = [
      created,
      await t.http().get(`/parcours/${created.body.dossierId}`).set('Authorization', `Bearer ${referent}`),
      await t.http().get('/parcours').set('Authorization', `Bearer ${referent}`),
      await t.http().get('/parcours'),
      await t.http().get('/nowhere').set('Authorization', `Bearer ${referent}`),
      await t.http().post('/codec/decode').send({ payloads: [] }),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 200, 401, 404, 401]);
    for (const a of answers) {
      expect(a.headers).toMatchObject({
        'cache-control': 'no-store',
        'content-security-policy': API_CSP,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      });
      expect(a.headers['x-powered-by']).toBeUndefined();
    }
    expect(JSON.stringify(answers[1].body)).toContain('Benali'); // the answer that must not be cached holds the child's data

    const docs = await t.http().get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
    expect(docs.headers['cache-control']).not.toBe('no-store');
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self' 'unsafe-inline'/);
    expect(docs.headers['content-security-policy']).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
  });

  it('npm start: worker metrics and the Temporal Web UI on 127.0.0.1 only; the data folder 0700 and every file in it 0600', async () => {
    const external = externalAddress();
    execFileSync(process.execPath, [join(root, 'scripts', 'ensure-build.js')], { cwd: root, stdio: 'ignore' });
    const [port, devPort, uiPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const dataDir = join(mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'surface-')), '.data'); // created by the service
    const run = spawnCaptured(process.execPath, [join(root, 'dist', 'src', 'dev.js')], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        PRE_CODEC_KEYS: '',
        JWT_SECRET: '',
        PORT: String(port),
        TEMPORAL_ADDRESS: '',
        TEMPORAL_DEV_PORT: String(devPort),
        TEMPORAL_UI_PORT: String(uiPort),
        WORKER_METRICS_PORT: String(metricsPort),
        PRE_DATA_DIR: dataDir,
      },
    });
    try {
      await waitFor(`http://127.0.0.1:${port}/health/ready`, 200, 180_000, [run]);
      // a referral, so the SQLite file and its journal hold a case
      const secret = new TextEncoder().encode(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim());
      const token = await new SignJWT({ roles: ['referent'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-ref-1').setIssuer('pre-orchestrator-dev').setAudience('pre-orchestrator').setIssuedAt().setExpirationTime('10m').sign(secret);
      const created = await fetch(`http://127.0.0.1:${port}/parcours`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(referralOf(1)) });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');

      expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toMatch(/temporal_/);
      expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
      if (external) {
        expect(await connects(external, metricsPort)).toBe(false);
        expect(await connects(external, uiPort)).toBe(false);
        expect(await connects(external, devPort)).toBe(false);
      }

      expect(mode(dataDir)).toBe('700');
      const files = readdirSync(dataDir).filter((f) => statSync(join(dataDir, f)).isFile());
      expect(files).toEqual(expect.arrayContaining(['jwt-secret', 'child-key-secret', 'codec-keys', 'temporal.sqlite']));
      expect(Object.fromEntries(files.map((f) => [f, mode(join(dataDir, f))]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
      expect(existsSync(join(dataDir, 'temporal.sqlite'))).toBe(true);
      run.child.kill('SIGTERM');
      await run.exited;
    } finally {
      killTree(run);
    }
  });
});
