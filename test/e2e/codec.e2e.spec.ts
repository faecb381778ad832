/**
 * Payload encryption end to end (issue 6, DOMAIN.md §5): a case's personal data never reaches the Temporal
 * store in clear — read back with a client that has no codec — and the codec endpoint gives it back to a
 * supervisor or coordinator only.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { temporalBinaries } from '../../src/dev/dev-server';
import { dataConverter, FAILURE_CONVERTER_PATH } from '../../src/temporal/data-converter';
import { startTestApp, type TestApp } from '../support/app';
import { codecAnswerText, codecBody, keyIdsOf, payloadsOf, rawText } from '../support/privacy';
import { devServerAddress, devServerEnv, quietRuntime, testDataConverter, uniqueTaskQueue } from '../support/temporal';
import { ACTIVITY_FAILURE_MARKER, createProbeActivities } from './fixtures/privacy-probe.activities';
import { ZOE, ZOE_SECRETS } from './fixtures/privacy-probe.person';
import { amendUpdate, finishUpdate, getPersonQuery, noteSignal, privacyProbeWorkflow, refuseUpdate } from './fixtures/privacy-probe.workflow';

/** The child's data, and the guardian's second phone number (set by an update). */
const SECRETS = [...ZOE_SECRETS, '+33698765432'];

const keyEntry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

let probeBundle: string;
/** Runs `fn` while a worker with the probe workflow and this data converter polls `taskQueue`. */
async function withProbeWorker<T>(converter: DataConverter, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const connection = await NativeConnection.connect({ address: devServerAddress() });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: { code: probeBundle },
      activities: createProbeActivities(),
      dataConverter: converter,
    });
    return await worker.runUntil(fn);
  } finally {
    await connection.close();
  }
}

describe('payload encryption and the codec endpoint', () => {
  let t: TestApp;
  let raw: Client;

  beforeAll(async () => {
    quietRuntime();
    probeBundle = (
      await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/privacy-probe.workflow'), failureConverterPath: FAILURE_CONVERTER_PATH, logger: new DefaultLogger('WARN') })
    ).code;
    t = await startTestApp({ env: { PRE_CODEC_KEYS: keyEntry('test-a') }, worker: false });
    raw = new Client({ connection: t.client.connection, namespace: t.config.TEMPORAL_NAMESPACE }); // no codec
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the personal data out of the raw history, and decodes it for a supervisor', async () => {
    const taskQueue = uniqueTaskQueue('privacy');
    const workflowId = `privacy-probe-${randomBytes(4).toString('hex')}`;
    await withProbeWorker(dataConverter(t.config), taskQueue, async () => {
      const handle = await t.client.workflow.start(privacyProbeWorkflow, {
        workflowId,
        taskQueue,
        args: [ZOE],
        memo: { family: `${ZOE.lastName}, ${ZOE.address}` },
        staticSummary: 'Parcours (privacy probe)',
        staticDetails: 'No personal data here',
      });
      await handle.signal(noteSignal, { text: `Called ${ZOE.firstName}'s mother` });
      expect(await handle.executeUpdate(amendUpdate, { args: [{ phone: '+33698765432' }] })).toEqual({ phone: '+33698765432', lastName: 'Testprivacy' });
      await expect(handle.executeUpdate(refuseUpdate, { args: [{ reason: 'born 2016-03-14' }] })).rejects.toMatchObject({
        cause: { message: 'Refused for Zoé Testprivacy: born 2016-03-14' }, // the client decodes the failure message
      });
      expect(await handle.query(getPersonQuery)).toMatchObject({ lastName: 'Testprivacy', guardianPhone: '+33698765432' });
      await handle.executeUpdate(finishUpdate);
      expect(await handle.result()).toMatchObject({ ...ZOE, guardianPhone: '+33698765432', notes: ["Called Zoé's mother", 'activity refused'] });
    });

    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const text = rawText(history);
    const types = history.events!.map((e) => e.eventType);
    expect(types.length).toBeGreaterThan(15); // input, signal, updates, activities, timer, memo, result: all of it is here
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).toContain('binary/encrypted');
    expect(text).not.toContain('Refused for'); // failure messages are encrypted too
    expect(text).not.toContain(ACTIVITY_FAILURE_MARKER);
    // the execution's description as the UI's detail page gets it: memo, summary and details
    const description = await raw.workflowService.describeWorkflowExecution({ namespace: t.config.TEMPORAL_NAMESPACE, execution: { workflowId } });
    expect(description.workflowExecutionInfo?.memo?.fields?.family).toBeDefined();
    for (const secret of SECRETS) expect(rawText(description)).not.toContain(secret);

    const payloads = payloadsOf(history);
    expect(keyIdsOf(payloads)).toEqual(['test-a']);
    const supervisor = await t.token('u-sup-1', 'supervisor');
    const res = await t.http().post('/codec/decode').set('Authorization', `Bearer ${supervisor}`).set('X-Namespace', 'default').send(codecBody(payloads));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const clear = codecAnswerText(res.body);
    for (const secret of SECRETS.filter((s) => s !== '0612345678')) expect(clear).toContain(secret);
    expect(clear).toContain('Refused for Zoé Testprivacy');
    expect(clear).toContain(ACTIVITY_FAILURE_MARKER); // the activity's failure
  });

  it('lets a supervisor read a case with the Temporal CLI and a token (--codec-endpoint, --codec-auth)', async () => {
    const port = Number(new URL(await t.app.getUrl()).port);
    const taskQueue = uniqueTaskQueue('cli');
    const workflowId = `privacy-cli-${randomBytes(4).toString('hex')}`;
    await withProbeWorker(dataConverter(t.config), taskQueue, async () => {
      const handle = await t.client.workflow.start(privacyProbeWorkflow, { workflowId, taskQueue, args: [ZOE] });
      await handle.query(getPersonQuery);
      await handle.terminate();
    });
    const show = async (token: string) =>
      (
        await promisify(execFile)(
          temporalBinaries().cli,
          ['workflow', 'show', '-w', workflowId, '--address', devServerAddress(), '--codec-endpoint', `http://127.0.0.1:${port}/codec`, '--codec-auth', `Bearer ${token}`, '--output', 'json'],
          { encoding: 'utf8' },
        )
      ).stdout;
    const asSupervisor = rawText(JSON.parse(await show(await t.token('u-sup-1', 'supervisor'))));
    for (const secret of ZOE_SECRETS) expect(asSupervisor).toContain(secret); // (a référent's token gets 403s, tested above)
  });

  it('would see a payload written without the codec (the scan above is not blind)', async () => {
    const workflowId = `privacy-control-${randomBytes(4).toString('hex')}`;
    const handle = await raw.workflow.start(privacyProbeWorkflow, { workflowId, taskQueue: uniqueTaskQueue('no-worker'), args: [ZOE], memo: { family: ZOE.address } });
    try {
      const text = rawText(await handle.fetchHistory());
      for (const secret of ZOE_SECRETS) expect(text).toContain(secret);
    } finally {
      await handle.terminate();
    }
  });

  it('answers 401 without a token, 403 to a référent or finance, 200 to a coordinator', async () => {
    const [payload] = await dataConverter(t.config).payloadCodecs![0].encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"Zoé"') }]);
    const body = codecBody([payload]);
    const noToken = await t.http().post('/codec/decode').send(body);
    expect(noToken.status).toBe(401);
    expect(noToken.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(noToken.body).toMatchObject({ status: 401, type: 'urn:pre-orchestrator:problem:unauthorized' });
    const bad = await t.http().post('/codec/decode').set('Authorization', 'Bearer not-a-token').send(body);
    expect(bad.status).toBe(401);
    for (const role of ['referent', 'finance', 'admin'] as const) {
      const res = await t.http().post('/codec/decode').set('Authorization', `Bearer ${await t.token(`u-${role}-1`, role)}`).send(body);
      expect({ role, status: res.status, body: res.body }).toEqual({
        role,
        status: 403,
        body: expect.objectContaining({ detail: 'Decoding case data needs one of the roles: supervisor, coordinator.' }),
      });
      expect(JSON.stringify(res.body)).not.toContain('Zo');
    }
    const ok = await t.http().post('/codec/decode').set('Authorization', `Bearer ${await t.token('u-coord-1', 'coordinator')}`).send(body);
    expect(ok.status).toBe(200);
    expect(codecAnswerText(ok.body)).toBe('"Zoé"');
    expect(Buffer.from(ok.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
  });

  it('encodes payloads with the active key for the UI, and refuses bodies and payloads it cannot read', async () => {
    const auth = `Bearer ${await t.token('u-sup-1', 'supervisor')}`;
    const plain = codecBody([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"note":"Zoé"}') }]);
    const enc = await t.http().post('/codec/encode').set('Authorization', auth).send(plain);
    expect(enc.status).toBe(200);
    expect(Buffer.from(enc.body.payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('test-a');
    expect(Buffer.from(enc.body.payloads[0].data, 'base64').toString('utf8')).not.toContain('Zo');
    const back = await t.http().post('/codec/decode').set('Authorization', auth).send(enc.body);
    expect(back.body).toEqual(plain);

    const tampered = structuredClone(enc.body);
    const data = Buffer.from(tampered.payloads[0].data, 'base64');
    data[data.length - 1] ^= 1;
    tampered.payloads[0].data = data.toString('base64');
    const refused = await t.http().post('/codec/decode').set('Authorization', auth).send(tampered);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:payload-not-decodable', reason: 'tampered' });
    const invalid = await t.http().post('/codec/decode').set('Authorization', auth).send({ payloads: [{ data: '%%%' }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([{ field: 'payloads[0].data', message: 'must be a base64 string' }]);
  });

  it('answers the Temporal UI from its origin only (CORS preflight and answers), for the configured namespace only', async () => {
    const ui = 'http://localhost:8233';
    const preflight = await t
      .http()
      .options('/codec/decode')
      .set('Origin', ui)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace,authorization');
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': ui,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
    });
    const auth = `Bearer ${await t.token('u-sup-1', 'supervisor')}`;
    const answer = await t.http().post('/codec/decode').set('Origin', ui).set('Authorization', auth).send({ payloads: [] });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(ui);
    expect(answer.body).toEqual({ payloads: [] });
    const denied = await t.http().post('/codec/decode').set('Origin', ui).send({ payloads: [] });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe(ui); // the UI can read why

    const elsewhere = await t.http().options('/codec/decode').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
    const elsewherePost = await t.http().post('/codec/decode').set('Origin', 'https://evil.example').set('Authorization', auth).send({ payloads: [] });
    expect(elsewherePost.status).toBe(403);

    const otherNamespace = await t.http().post('/codec/decode').set('Authorization', auth).set('X-Namespace', 'other').send({ payloads: [] });
    expect(otherNamespace.status).toBe(403);
    expect(otherNamespace.body.detail).toBe('This codec serves the namespace "default" only.');
  });

  it('reads back a case started with key A after rotating to key B, and advances it', async () => {
    const a = keyEntry('rot-a');
    const b = keyEntry('rot-b');
    const taskQueue = uniqueTaskQueue('rotation');
    const workflowId = `privacy-rotation-${randomBytes(4).toString('hex')}`;
    const before = await startTestApp({ env: { PRE_CODEC_KEYS: a }, worker: false });
    try {
      await withProbeWorker(dataConverter(before.config), taskQueue, async () => {
        const handle = await before.client.workflow.start(privacyProbeWorkflow, { workflowId, taskQueue, args: [ZOE] });
        await handle.signal(noteSignal, { text: 'written with key A' });
        expect(await handle.query(getPersonQuery)).toMatchObject({ lastName: 'Testprivacy' });
      });
    } finally {
      await before.close();
    }

    // restart with B active, A kept in the ring
    const after = await startTestApp({ env: { PRE_CODEC_KEYS: `${b},${a}`, PRE_CODEC_ACTIVE_KEY: 'rot-b' }, worker: false });
    try {
      await withProbeWorker(dataConverter(after.config), taskQueue, async () => {
        const handle = after.client.workflow.getHandle(workflowId);
        expect(await handle.executeUpdate(amendUpdate, { args: [{ phone: '+33698765432' }] })).toEqual({ phone: '+33698765432', lastName: 'Testprivacy' });
        await handle.executeUpdate(finishUpdate);
        expect(await handle.result()).toMatchObject({ ...ZOE, guardianPhone: '+33698765432', notes: ['written with key A', 'activity refused'] });
      });
      const history = await raw.workflow.getHandle(workflowId).fetchHistory();
      for (const secret of SECRETS) expect(rawText(history)).not.toContain(secret);
      expect(keyIdsOf(payloadsOf(history))).toEqual(['rot-a', 'rot-b']);
      const res = await after
        .http()
        .post('/codec/decode')
        .set('Authorization', `Bearer ${await after.token('u-sup-1', 'supervisor')}`)
        .send(codecBody(payloadsOf(history)));
      expect(res.status).toBe(200);
      expect(codecAnswerText(res.body)).toContain('written with key A');
      expect(codecAnswerText(res.body)).toContain('+33698765432');
    } finally {
      await after.close();
    }
  });

  it('gives workflow tests the same encryption (testDataConverter for the environment and the worker)', async () => {
    const env = await devServerEnv({ dataConverter: testDataConverter() });
    try {
      const taskQueue = uniqueTaskQueue('helper');
      const workflowId = `privacy-helper-${randomBytes(4).toString('hex')}`;
      await withProbeWorker(testDataConverter(), taskQueue, async () => {
        const handle = await env.client.workflow.start(privacyProbeWorkflow, { workflowId, taskQueue, args: [ZOE] });
        expect(await handle.query(getPersonQuery)).toEqual(ZOE);
        await handle.terminate();
      });
      const text = rawText(await raw.workflow.getHandle(workflowId).fetchHistory());
      for (const secret of ZOE_SECRETS) expect(text).not.toContain(secret);
    } finally {
      await env.teardown();
    }
  });

  it('answers local calls without a token only when PRE_CODEC_LOCAL_ACCESS is on (the embedded default)', async () => {
    const local = await startTestApp({ env: { PRE_CODEC_LOCAL_ACCESS: 'true' }, worker: false });
    try {
      const [payload] = await dataConverter(local.config).payloadCodecs![0].encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"Zoé"') }]);
      const body = codecBody([payload]);
      const ok = await local.http().post('/codec/decode').set('X-Namespace', 'default').send(body);
      expect(ok.status).toBe(200);
      expect(codecAnswerText(ok.body)).toBe('"Zoé"');
      expect((await local.http().post('/codec/decode').set('X-Forwarded-For', '203.0.113.7').send(body)).status).toBe(401);
      expect((await local.http().post('/codec/decode').set('Host', 'rebound.example').send(body)).status).toBe(401);
      const referent = await local.token('u-ref-1', 'referent');
      expect((await local.http().post('/codec/decode').set('Authorization', `Bearer ${referent}`).send(body)).status).toBe(403); // a token is always checked
    } finally {
      await local.close();
    }
    expect((await t.http().post('/codec/decode').send({ payloads: [] })).status).toBe(401); // off by default outside the embedded default
  });
});
