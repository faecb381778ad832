/**
 * Bounded cost of any request (issue 13 #3): the hostile-body corpus (test/security/hostile-corpus.ts) over every
 * write route and every list of the real API, against a real case and a real convention. Each body is answered
 * 400/413/415 with a small problem+json body in well under a second, and no workflow is started or changed.
 * The reported attack: 10 000 empty signatories on a consent (99 kB) blocked the process for 47 s and answered
 * 2.5 MB.
 */
import { startTestApp, type TestApp } from '../support/app';
import { settledQueue, workflowsOnQueue as onQueue } from '../support/queue-state';
import { CONSENT, CONVENTION, REFERRAL } from '../support/api-examples';
import { hostileCorpus, type HostileProbe, type OpenApi } from './hostile-corpus';

/** A problem body this size or smaller is "small": 20 errors of a hundred characters each, and the rest. */
const SMALL_BODY = 4096;
/** The test's bound per answer; bench/hostile.ts measures against the 100 ms target. */
const MAX_MS = 1000;

describe('bounded cost: the hostile-body corpus over every write route', () => {
  let t: TestApp;
  let token: string;
  let dossierId: string;
  const ref = 'CPO-HOSTILE-2024';

  const settled = () => settledQueue(t);
  const workflowsOnQueue = () => onQueue(t);

  async function send(p: HostileProbe) {
    let req = t.http()[p.method.toLowerCase() as 'post'](p.path).set('Authorization', `Bearer ${token}`);
    if (p.body !== undefined) req = req.set('Content-Type', p.contentType ?? 'application/json').send(p.body);
    const started = performance.now();
    const res = await req;
    return { res, ms: performance.now() - started };
  }

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('u-hostile-1', ['coordinator', 'referent', 'finance', 'supervisor', 'admin']);
    const referral = await t.http().post('/parcours').set('Authorization', `Bearer ${token}`).send(REFERRAL);
    expect(referral.status).toBe(201);
    dossierId = referral.body.dossierId;
    const convention = await t.http().post('/conventions').set('Authorization', `Bearer ${token}`).send({ ...CONVENTION, reference: ref });
    expect(convention.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the reported attack: 10 000 near-empty signatories on a consent → 400 at once, a small body, the case unchanged', async () => {
    const before = await settled();
    // 10 000 near-empty signatories: 90 kB, under the 100 kB body limit
    const attack = JSON.stringify({ ...CONSENT, signedBy: Array.from({ length: 10_000 }, () => ({ n: '' })) });
    expect(attack.length).toBeGreaterThan(90 * 1000);
    expect(attack.length).toBeLessThan(100 * 1024);
    const { res, ms } = await send({ route: 'POST /parcours/{dossierId}/consent', name: 'reported', method: 'POST', path: `/parcours/${dossierId}/consent`, body: attack, expect: [400] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:validation', status: 400, instance: `/parcours/${dossierId}/consent` });
    expect(res.body.errors.length).toBeLessThanOrEqual(20);
    expect(res.text.length).toBeLessThan(SMALL_BODY);
    expect(ms).toBeLessThan(MAX_MS);
    expect(await workflowsOnQueue()).toEqual(before);
  });

  it('an array longer than its @ArrayMaxSize is one error, before any element is validated', async () => {
    const signedBy = Array.from({ length: 5 }, () => ({ name: '', relationship: 'NOBODY' }));
    const { res } = await send({ route: '', name: '', method: 'POST', path: `/parcours/${dossierId}/consent`, body: JSON.stringify({ ...CONSENT, signedBy }), expect: [400] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      type: 'urn:pre-orchestrator:problem:validation',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is invalid: signedBy.',
      errors: [{ field: 'signedBy', message: 'signedBy must contain at most 4 items' }],
      instance: `/parcours/${dossierId}/consent`,
    });
  });

  it('a body nesting 9 levels, or 16 000 (deeper than the parser goes), is refused for its depth', async () => {
    const nine = JSON.stringify({ ...CONSENT, note: undefined, extra: JSON.parse('{"a":'.repeat(9) + '1' + '}'.repeat(9)) });
    const deep = JSON.stringify(CONSENT).replace(/^\{/, `{"extra":${'{"a":'.repeat(16_000)}1${'}'.repeat(16_000)},`);
    const shallow = await send({ route: '', name: '', method: 'POST', path: `/parcours/${dossierId}/consent`, body: nine, expect: [400] });
    expect(shallow.res.status).toBe(400);
    expect(shallow.res.body).toMatchObject({
      type: 'urn:pre-orchestrator:problem:validation',
      detail: 'The request nests objects or arrays deeper than 8 levels.',
      errors: [{ field: '(body)', message: 'must nest at most 8 levels' }],
    });
    const tooDeep = await send({ route: '', name: '', method: 'POST', path: `/parcours/${dossierId}/consent`, body: deep, expect: [400] });
    expect(tooDeep.res.status).toBe(400);
    expect(JSON.parse(tooDeep.res.text)).toEqual({
      type: 'urn:pre-orchestrator:problem:validation',
      title: 'Bad Request',
      status: 400,
      detail: 'The request nests objects or arrays too deep to be read (at most 8 levels).',
    });
    expect(tooDeep.ms).toBeLessThan(MAX_MS);
  });

  it('a body with more errors than 20 lists the first 20 and counts them all', async () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`unknown${i}`, i]));
    const { res } = await send({ route: '', name: '', method: 'POST', path: `/parcours/${dossierId}/consent`, body: JSON.stringify({ ...CONSENT, ...many }), expect: [400] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(20);
    expect(res.body.errors[0]).toEqual({ field: 'unknown0', message: 'unknown field "unknown0" is not allowed' });
    expect(res.body.errorCount).toBe(300);
    expect(res.body.detail).toMatch(/^The request is invalid: unknown0, unknown1, .*unknown19 \(the first 20 of 300 errors\)\.$/);
  });

  it('every hostile body of every write route and list is answered 400/413/415, small, in under a second, and nothing is started or changed', async () => {
    const doc = (await t.http().get('/docs-json')).body as OpenApi;
    const concrete = (path: string) =>
      path
        .replace('{dossierId}', dossierId)
        .replace('{actionId}', 'a1')
        .replace('{ref}', ref)
        .replace('{year}', '2024')
        .replace('{id}', 'pre-daily-digest');
    const corpus = hostileCorpus(doc, concrete);
    const routes = new Set(corpus.map((p) => p.route));
    // every write route with a body is covered (parcours, conventions, funding years, schedules)
    for (const r of ['POST /parcours', 'POST /parcours/{dossierId}/consent', 'PATCH /parcours/{dossierId}/actions/{actionId}', 'PUT /parcours/{dossierId}/referent', 'POST /conventions', 'POST /conventions/{ref}/years/{year}/authorisation', 'POST /schedules/{id}/backfill']) {
      expect(routes).toContain(r);
    }
    expect(corpus.length).toBeGreaterThan(300);

    const before = await settled();
    const failures: string[] = [];
    let slowest = { ms: 0, what: '' };
    for (const p of corpus) {
      const { res, ms } = await send(p);
      const what = `${p.route} [${p.name}]`;
      if (ms > slowest.ms) slowest = { ms, what };
      const problems: string[] = [];
      if (!p.expect.includes(res.status)) problems.push(`status ${res.status}`);
      if (!/application\/problem\+json/.test(String(res.headers['content-type']))) problems.push(`content-type ${res.headers['content-type']}`);
      if (typeof res.body?.detail !== 'string' || res.body?.status !== res.status) problems.push('not a problem body');
      if (res.text.length > SMALL_BODY) problems.push(`body of ${res.text.length} bytes`);
      if (ms > MAX_MS) problems.push(`${Math.round(ms)} ms`);
      if (problems.length > 0) failures.push(`${what}: ${problems.join(', ')} — ${res.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(slowest.ms).toBeLessThan(MAX_MS);
    expect(await workflowsOnQueue()).toEqual(before);
  });
});
