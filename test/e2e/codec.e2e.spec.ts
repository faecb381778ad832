/**
 * Payload encryption end to end (issue 6, DOMAIN.md §5): a case's personal data never reaches the Temporal
 * store in clear — read back with a client that has no codec — and the codec endpoint gives it back to a
 * supervisor or coordinator only.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { loadEnv } from '../../src/config/env';
import { temporalBinaries } from '../../src/dev/dev-server';
import { CodecAudit } from '../../src/privacy/codec-audit';
import { BUNDLE_CONVERTERS, dataConverter } from '../../src/temporal/data-converter';
import { workflowIdFor } from '../../workflows/parcours/parcours.contract';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { codecAnswerText, codecBodies, codecBody, historiesOfEveryRun, keyIdsOf, payloadsOf, rawText } from '../support/privacy';
import { devServerAddress, devServerEnv, quietRuntime, testDataConverter, uniqueTaskQueue } from '../support/temporal';
import { ACTIVITY_FAILURE_MARKER, createProbeActivities } from './fixtures/privacy-probe.activities';
import { ZOE, ZOE_SECRETS } from './fixtures/privacy-probe.person';
import { amendUpdate, finishUpdate, getPersonQuery, noteSignal, privacyProbeWorkflow, refuseUpdate } from './fixtures/privacy-probe.workflow';
import { ensureMeeting } from '../support/team-meetings';
import { onExampleDay } from '../support/api-examples';

/** The child's data, and the guardian's second phone number (set by an update). */
const SECRETS = [...ZOE_SECRETS, '+33698765432'];

/** The API.md referral, for Zoé (the probe's child) and her mother Nadège. */
const ZOE_LINE1 = '12 rue des Tilleuls';
const ZOE_REFERRAL = {
  referredOn: onExampleDay('2026-11-20'),
  child: {
    firstName: ZOE.firstName,
    lastName: ZOE.lastName,
    birthDate: ZOE.birthDate,
    sex: 'F',
    address: { line1: ZOE_LINE1, postcode: '21000', city: 'Dijon' },
    qpv: 'GRESILLES',
    school: { name: 'École élémentaire Les Grésilles', level: 'CE2', priorityEducation: 'REP+' },
  },
  guardians: [{ firstName: 'Nadège', lastName: ZOE.lastName, relationship: 'MOTHER', phone: ZOE.guardianPhone }],
  orienteur: { type: 'SCHOOL', organisation: 'École élémentaire Les Grésilles' },
  reasons: ['SCHOOL_RESULTS', 'SOCIAL_ISOLATION'],
  context: `${ZOE.firstName} ${ZOE.lastName}, ${ZOE_LINE1} : signalée par sa maîtresse.`,
};
const ZOE_CONSENT = {
  decision: 'GRANTED',
  signedOn: onExampleDay('2026-11-25'),
  signedBy: [{ name: `Nadège ${ZOE.lastName}`, relationship: 'MOTHER' }],
  dataSharingInformed: true,
  note: `Mère joignable au ${ZOE.guardianPhone}`,
};
const ZOE_REASSESSMENT = { assessedOn: onExampleDay('2027-03-01'), progress: [{ objectiveId: 'o1', level: 'PARTIAL', note: `${ZOE.firstName} lit des phrases simples` }], decision: 'CONTINUE' };
const ZOE_CLOSURE = {
  reason: 'OBJECTIVES_MET',
  closedOn: onExampleDay('2027-06-30'),
  summary: `${ZOE.firstName} ${ZOE.lastName} (née le ${ZOE.birthDate}, ${ZOE_LINE1}) lit couramment ; mère joignable au ${ZOE.guardianPhone}.`,
  handedOverTo: 'Centre social des Grésilles',
};
/** The child's name, birth date and address, the guardian's name and phone. */
const CASE_SECRETS = [...ZOE_SECRETS, 'Nadège'];
/** ... and the other forms a workflow could write them in (French dates, national phone number). */
const RAW_FORMS = [...CASE_SECRETS, '14/03/2016', '0612345678'];

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
      await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/privacy-probe.workflow'), ...BUNDLE_CONVERTERS, logger: new DefaultLogger('WARN') })
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

  it('keeps a real case out of the raw store: every run, update, description and query of a referral taken to closure', async () => {
    const ns = t.config.TEMPORAL_NAMESPACE;
    const describeRun = (workflowId: string, runId?: string) => raw.workflowService.describeWorkflowExecution({ namespace: ns, execution: { workflowId, runId } });
    await t.startWorker(); // the app's own worker and workflows, on the app's task queue
    let workflowId = '';
    let metadataQuery: Payload[] = [];
    let stateQuery: Payload[] = [];
    try {
      const [referent, coordinator] = await Promise.all([t.token('u-ref-1', 'referent'), t.token('u-coord-1', 'coordinator')]);
      const post = async (path: string, token: string, body: object, status: number) => {
        const res = await t.http().post(path).set('Authorization', `Bearer ${token}`).send(body);
        if (res.status !== status) throw new Error(`POST ${path}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
        return res.body as { dossierId: string; stage: string; status?: number; detail?: string };
      };
      const created = await post('/parcours', referent, ZOE_REFERRAL, 201);
      expect(created).toMatchObject({ stage: 'AWAITING_CONSENT', eligibility: { eligible: true } });
      const id = created.dossierId;
      workflowId = workflowIdFor(id);
      // refused by the workflow's validator (422): its input names the family, its answer does not
      const refused = await post(`/parcours/${id}/consent`, referent, { ...ZOE_CONSENT, signedOn: onExampleDay('2026-11-19') }, 422);
      expect(refused).toMatchObject({ status: 422, detail: `The consent date (${onExampleDay('2026-11-19')}) is before the referral date (${ZOE_REFERRAL.referredOn}).` });
      for (const secret of CASE_SECRETS) expect(JSON.stringify(refused)).not.toContain(secret);
      expect(await post(`/parcours/${id}/consent`, referent, ZOE_CONSENT, 200)).toMatchObject({ stage: 'AWAITING_TEAM_REVIEW' });
      const review = { meetingId: await ensureMeeting(t.http, coordinator, onExampleDay('2026-12-03')), decision: 'VALIDATED', objectives: [{ label: 'Read fluently by June' }], referentId: 'u-ref-1', durationMonths: 12 };
      expect(await post(`/parcours/${id}/team-reviews`, coordinator, review, 200)).toMatchObject({ stage: 'ACTIVE' });
      // a reassessment completes a cycle: the workflow continues as new, carrying the case into a second run
      await post(`/parcours/${id}/reassessments`, referent, ZOE_REASSESSMENT, 200);
      expect(await post(`/parcours/${id}/closure`, coordinator, ZOE_CLOSURE, 200)).toMatchObject({ stage: 'CLOSED' });
      // the closure settles: its notifications recorded, then the workflow completes (or waits on a timer, retention)
      await eventually(async () => {
        const d = await describeRun(workflowId);
        return !d.pendingWorkflowTask && (d.pendingActivities ?? []).length === 0;
      });
      // what the UI's detail page asks the worker (current details), and the case's state, as the server hands them over
      const query = async (queryType: string) => (await raw.workflowService.queryWorkflow({ namespace: ns, execution: { workflowId }, query: { queryType } })).queryResult?.payloads ?? [];
      metadataQuery = await query('__temporal_workflow_metadata');
      stateQuery = await query('getState');
    } finally {
      await t.stopWorker();
    }

    const runs = await historiesOfEveryRun(raw, workflowId);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const types = new Set(runs.flatMap((r) => r.history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]));
    expect([...types]).toEqual(
      expect.arrayContaining(
        [
          'WORKFLOW_EXECUTION_STARTED', // input (the referral; the carried case in later runs), summary, details, memo, search attributes
          'WORKFLOW_EXECUTION_UPDATE_ACCEPTED', // update inputs
          'WORKFLOW_EXECUTION_UPDATE_COMPLETED', // update results (the case view)
          'ACTIVITY_TASK_SCHEDULED', // the closing case's release of its child's registry: input and result
          'ACTIVITY_TASK_COMPLETED',
          'MARKER_RECORDED', // notifications recorded by local activities: their results, and the patch markers
          'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
          'WORKFLOW_PROPERTIES_MODIFIED', // memo
          'TIMER_STARTED', // timer summaries
          'WORKFLOW_EXECUTION_CONTINUED_AS_NEW', // the next run's input
        ].map((type) => `EVENT_TYPE_${type}`),
      ),
    );
    const descriptions = await Promise.all(runs.map((r) => describeRun(workflowId, r.runId)));
    expect(descriptions[0].executionConfig?.userMetadata).toMatchObject({ summary: expect.anything(), details: expect.anything() });
    expect(descriptions.every((d) => d.workflowExecutionInfo?.memo?.fields?.figures)).toBe(true);
    expect(metadataQuery).toHaveLength(1);
    expect(stateQuery).toHaveLength(1);
    const listed = await eventually(async () => {
      const res = await raw.workflowService.listWorkflowExecutions({ namespace: ns, query: `WorkflowId = '${workflowId}'` });
      return (res.executions ?? []).length === runs.length && res.executions!.every((e) => e.memo?.fields?.figures) && res.executions;
    });

    // everything the Temporal store hands over, as someone with access to it (no codec) reads it
    const stored = { histories: runs.map((r) => r.history), descriptions, listed, metadataQuery, stateQuery };
    const text = rawText(stored).toLowerCase();
    for (const secret of RAW_FORMS) expect({ secret, found: text.includes(secret.toLowerCase()) }).toEqual({ secret, found: false });
    expect(text).toContain('binary/encrypted');
    expect(text).toContain('gresilles'); // the plain search attributes are read too (PreQpv)
    // … while what the Temporal UI lists and shows about a case reads without the codec (written without personal
    // data): the static summary and details, the current details, the timer and activity summaries
    const metadata = descriptions[0].executionConfig!.userMetadata!;
    expect(defaultPayloadConverter.fromPayload(metadata.summary as Payload)).toBe("Parcours PRE · Grésilles · 6–10 ans · orienté par l'école");
    expect(defaultPayloadConverter.fromPayload(metadata.details as Payload)).toContain(`**Dossier** : ${workflowId.replace('parcours-', '')}`);
    for (const readable of ['**Étape** : Clos', "Accusé de réception de l'orientation", 'Purge des données personnelles (conservation jusqu']) {
      expect({ readable, found: rawText(stored).includes(readable) }).toEqual({ readable, found: true });
    }

    // the same payloads, decoded by the codec for a supervisor: everything is there (the scan is not blind)
    const supervisor = await t.token('u-sup-1', 'supervisor');
    const decode = async (payloads: Payload[]) => {
      const texts: string[] = [];
      for (const body of codecBodies(payloads)) {
        const res = await t.http().post('/codec/decode').set('Authorization', `Bearer ${supervisor}`).set('X-Namespace', 'default').send(body);
        expect(res.status).toBe(200);
        texts.push(codecAnswerText(res.body));
      }
      return texts.join('\n');
    };
    const payloads = payloadsOf(stored);
    expect(keyIdsOf(payloads)).toEqual(['test-a']);
    const clear = await decode(payloads);
    for (const secret of CASE_SECRETS) expect({ secret, found: clear.includes(secret) }).toEqual({ secret, found: true });
    expect(clear).toContain(ZOE_CONSENT.note); // an update's input
    expect(clear).toContain(ZOE_REASSESSMENT.progress[0].note);
    expect(clear).toContain(ZOE_CLOSURE.summary);
    expect(clear).toContain('Parcours PRE · Grésilles'); // the static summary
    for (const r of runs) expect(await decode(payloadsOf(r.history))).toContain(ZOE_LINE1); // each run carries the case
    expect(await decode(metadataQuery)).toContain('**Étape**'); // the current details
    expect(await decode(stateQuery)).toContain(ZOE.guardianPhone);

    await raw.workflow
      .getHandle(workflowId)
      .terminate('privacy test done')
      .catch(() => undefined); // a closed case held for retention would wait for months
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
      'access-control-allow-methods': 'POST, DELETE, OPTIONS',
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

  it('decodes for the codec session cookie a supervisor or coordinator opens with a token, and records each decode without its content', async () => {
    const [payload] = await dataConverter(t.config).payloadCodecs![0].encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"Zoé"') }]);
    const body = codecBody([payload]);
    const lines: string[] = [];
    const audit = t.app.get(CodecAudit);
    const sink = audit.sink;
    audit.sink = (line) => void lines.push(line);
    try {
      const supervisor = await t.token('u-sup-1', 'supervisor');
      const opened = await t.http().post('/codec/session').set('Authorization', `Bearer ${supervisor}`);
      expect(opened.status).toBe(204);
      const setCookie = (opened.headers['set-cookie'] as unknown as string[])[0];
      expect(setCookie).toMatch(/^pre_codec_session=[^;]+; Path=\/codec; Expires=[^;]+; HttpOnly; SameSite=Strict$/); // no Secure outside production
      const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)![1]);
      expect(expires - Date.now()).toBeGreaterThan(25 * 60_000);
      expect(expires - Date.now()).toBeLessThanOrEqual(30 * 60_000); // PRE_CODEC_SESSION_MINUTES
      const cookie = setCookie.split(';')[0];

      // the UI's call: the cookie, its origin, its namespace header; the workflow page in the Referer when the browser sends it
      const ui = 'http://localhost:8233';
      const res = await t
        .http()
        .post('/codec/decode?preserveStorageRefs=true')
        .set('Cookie', cookie)
        .set('Origin', ui)
        .set('X-Namespace', 'default')
        .set('Referer', `${ui}/namespaces/default/workflows/parcours-PRE-2026-000042/run-1/history`)
        .send(body);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(codecAnswerText(res.body)).toBe('"Zoé"');
      const entry = JSON.parse(lines.at(-1)!);
      expect(entry).toEqual({
        audit: 'codec.decode',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        sub: 'u-sup-1',
        roles: ['supervisor'],
        via: 'session',
        namespace: 'default',
        workflowId: 'parcours-PRE-2026-000042',
        runId: 'run-1',
        clientAddress: expect.any(String),
        payloads: 1,
        encrypted: 1,
        digests: [expect.stringMatching(/^[0-9a-f]{16}$/)],
      });
      expect(Math.abs(Date.parse(entry.time) - Date.now())).toBeLessThan(10_000);
      expect(lines.join('')).not.toContain('Zo');
      // a caller that is not the UI names the workflow itself
      await t.http().post('/codec/decode').set('Authorization', `Bearer ${supervisor}`).set('X-Workflow-Id', 'parcours-PRE-2026-000043').send(body);
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ sub: 'u-sup-1', via: 'bearer', workflowId: 'parcours-PRE-2026-000043', runId: null });

      // opened from a page of the API itself (Swagger UI's "Try it out"): same origin, no CORS needed
      const host = new URL(await t.app.getUrl()).host;
      const fromDocs = await t.http().post('/codec/session').set('Host', host).set('Origin', `http://${host}`).set('Authorization', `Bearer ${supervisor}`);
      expect(fromDocs.status).toBe(204);
      expect(fromDocs.headers['set-cookie']).toBeDefined();
      expect(fromDocs.headers['access-control-allow-origin']).toBeUndefined();

      // a session does not open another one (it would never end), and a référent's token opens none
      expect((await t.http().post('/codec/session').set('Cookie', cookie)).status).toBe(401);
      const referent = await t.http().post('/codec/session').set('Authorization', `Bearer ${await t.token('u-ref-1', 'referent')}`);
      expect(referent.status).toBe(403);
      expect(referent.headers['set-cookie']).toBeUndefined();
      // a forged or tampered cookie is refused
      const forged = `${cookie.slice(0, -2)}xx`;
      const refused = await t.http().post('/codec/decode').set('Cookie', forged).send(body);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ status: 401, detail: 'The codec session has expired or is not valid: open a new one with POST /codec/session.' });
      // closing the session clears the cookie
      const closed = await t.http().delete('/codec/session').set('Cookie', cookie);
      expect(closed.status).toBe(204);
      expect((closed.headers['set-cookie'] as unknown as string[])[0]).toMatch(/^pre_codec_session=; Path=\/codec; Expires=Thu, 01 Jan 1970/);
    } finally {
      audit.sink = sink;
    }
  });

  it('never decodes without a token or a session, from this machine included (no local access any more)', async () => {
    const [payload] = await dataConverter(t.config).payloadCodecs![0].encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"Zoé"') }]);
    const body = codecBody([payload]);
    for (const host of ['localhost', '127.0.0.1']) {
      const res = await t.http().post('/codec/decode').set('Host', `${host}:${t.config.PORT}`).set('X-Namespace', 'default').send(body);
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain('Zo');
    }
    expect(() => loadEnv({ PRE_DATA_DIR: t.config.dataDir, PRE_CODEC_LOCAL_ACCESS: 'true' })).toThrow(/PRE_CODEC_LOCAL_ACCESS: removed/);
  });
});
