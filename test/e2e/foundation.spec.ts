import { SignJWT } from 'jose';
import { signDevToken } from '../../src/auth/dev-token';
import { loadEnv } from '../../src/config/env';
import { startTestApp, type TestApp } from '../support/app';

describe('foundation: API on a real Temporal dev server', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers /health/live without a token', async () => {
    const res = await t.http().get('/health/live');
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('is not ready (503 problem+json with Retry-After) before a worker polls, and ready after', async () => {
    const before = await t.http().get('/health/ready');
    expect(before.status).toBe(503);
    expect(before.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(before.headers['retry-after']).toBe('5');
    expect(before.body).toMatchObject({ status: 503, type: 'urn:pre-orchestrator:problem:no-worker' });
    await t.startWorker();
    const deadline = Date.now() + 30_000;
    let after = await t.http().get('/health/ready');
    while (after.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await t.http().get('/health/ready');
    }
    expect({ status: after.status, body: after.body }).toEqual({
      status: 200,
      body: { status: 'ready', temporal: 'up', workers: expect.any(Number), taskQueue: t.config.TEMPORAL_TASK_QUEUE },
    });
  });

  it('serves the OpenAPI document and Swagger UI without a token', async () => {
    const json = await t.http().get('/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.info.title).toBe('PRE Orchestrator');
    expect(Object.keys(json.body.paths)).toContain('/health/ready');
    const ui = await t.http().get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const token = await t.token('u-coord-1', 'coordinator');
    const res = await t.http().get('/no-such-route').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  describe('401 for missing or bad tokens', () => {
    const secret = () => new TextEncoder().encode(t.config.jwtSecret);
    const cases: Array<[string, () => Promise<string | undefined>, RegExp]> = [
      ['no Authorization header', async () => undefined, /Authorization/],
      ['a malformed token', async () => 'not-a-jwt', /malformed/],
      [
        'alg none',
        async () => {
          const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
          return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u-coord-1', roles: ['coordinator'], iss: t.config.JWT_ISSUER, aud: t.config.JWT_AUDIENCE })}.`;
        },
        /algorithm|malformed/,
      ],
      [
        'an expired token',
        async () =>
          new SignJWT({ roles: ['coordinator'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-coord-1').setIssuer(t.config.JWT_ISSUER)
            .setAudience(t.config.JWT_AUDIENCE).setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(secret()),
        /expired/,
      ],
      [
        'a wrong signature',
        async () =>
          new SignJWT({ roles: ['coordinator'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-coord-1').setIssuer(t.config.JWT_ISSUER)
            .setAudience(t.config.JWT_AUDIENCE).setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-another-secret-another-secret')),
        /signature/,
      ],
      [
        'a wrong audience',
        async () =>
          new SignJWT({ roles: ['coordinator'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u-coord-1').setIssuer(t.config.JWT_ISSUER)
            .setAudience('someone-else').setExpirationTime('1h').sign(secret()),
        /"aud"/,
      ],
    ];
    it.each(cases)('%s → 401', async (_name, make, detail) => {
      const token = await make();
      const req = t.http().get('/me');
      const res = await (token ? req.set('Authorization', `Bearer ${token}`) : req);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body.detail).toMatch(detail);
    });
  });

  it('exposes Prometheus metrics by route template, to an admin or supervisor token only', async () => {
    await t.http().get('/health/live');
    expect((await t.http().get('/metrics')).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', `Bearer ${await signDevToken(t.config, 'u-ref-1', ['referent'])}`)).status).toBe(403);
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${await signDevToken(t.config, 'u-admin-1', ['admin'])}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/pre_http_requests_total\{method="GET",route="\/health\/live",status="200"\} \d+/);
  });

  it('passes WORKER_MAX_CACHED_WORKFLOWS to the worker, and refuses a value that is not a count', async () => {
    const tuned = await startTestApp({ env: { WORKER_MAX_CACHED_WORKFLOWS: '123' } });
    try {
      expect(tuned.worker?.options.maxCachedWorkflows).toBe(123);
    } finally {
      await tuned.close();
    }
    expect(() => loadEnv({ PRE_DATA_DIR: t.config.PRE_DATA_DIR, WORKER_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });

  it('a dev token signed for the app is accepted', async () => {
    const token = await signDevToken(t.config, 'u-sup-1', ['supervisor']);
    const res = await t.http().get('/no-such-route').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(404);
  });
});

describe('GET /me', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('returns the caller of a valid token', async () => {
    const token = await t.token('u-ref-1', 'referent');
    const res = await t.http().get('/me').set('Authorization', `Bearer ${token}`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { sub: 'u-ref-1', roles: ['referent'] } });
  });

  it('answers 413 problem+json over 100 kB and 400 for invalid JSON', async () => {
    const token = await t.token('u-ref-1', 'referent');
    const big = await t.http().post('/me').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify({ x: 'a'.repeat(101 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/application\/problem\+json/);
    const bad = await t.http().post('/me').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"x":');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, type: 'urn:pre-orchestrator:problem:invalid-json' });
  });
});
