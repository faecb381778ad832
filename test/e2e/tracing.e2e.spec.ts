/**
 * Issue 18 item 4 (README, Tracing): one referral is one trace. The real API and a real worker, in this process, on
 * the run's dev server, with the workflow bundle every worker runs (the OpenTelemetry workflow interceptors in it):
 * tracing started as the entry points start it (startTracing), its spans sent to an in-memory exporter instead of
 * OTLP. `POST /parcours` gives the HTTP server span → the client's UpdateWithStart spans → the workflow's RunWorkflow
 * and HandleUpdate spans → StartActivity → RunActivity, all of one trace id and each linked to its parent; the
 * request's log line and the activity's log line carry that trace id. Tracing off (the default): nothing is
 * exported, no log line has a trace id.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { todayInParis } from '../../src/common/calendar-date';
import { dataConverter } from '../../src/temporal/data-converter';
import { workerTracingOptions } from '../../src/telemetry/temporal-tracing';
import { TRACING_PATCH } from '../../workflows/shared/tracing.interceptors';
import { shutdownTracing, startTracing } from '../../src/telemetry/tracing';
import { runtimeLogLine } from '../../src/worker/run-worker';
import { REFERRAL } from '../support/api-examples';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { workflowBundle } from '../support/temporal';

/** The worker's log lines, as the worker process writes them (the SDK's logger of this test file's runtime). */
const workerLines: string[] = [];
Runtime.install({ logger: new DefaultLogger('INFO', (entry) => void workerLines.push(runtimeLogLine(entry))), shutdownSignals: [] });

/** The API's log lines (JSON on stdout), kept while a test runs. */
let apiLines: string[] = [];
beforeAll(() => {
  jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    apiLines.push(...String(chunk).split('\n').filter(Boolean));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write);
});
afterAll(() => jest.restoreAllMocks());

const parsed = (lines: string[]) => lines.flatMap((l) => {
  try {
    return [JSON.parse(l) as Record<string, unknown>];
  } catch {
    return [];
  }
});

/** A referral of a child of its own (one case per test; the names must appear in no span and no log line). */
function referral(lastName: string) {
  return { ...REFERRAL, child: { ...REFERRAL.child, firstName: 'Ysolde', lastName } };
}

async function refer(t: TestApp, lastName: string): Promise<string> {
  const token = await t.token('u-coord-1', 'coordinator');
  const res = await t.http().post('/parcours').set('Authorization', `Bearer ${token}`).send(referral(lastName));
  expect(res.status).toBe(201);
  return res.body.dossierId as string;
}

/** The patch ids a history's markers record (the JSON details of core's `core_patch` markers). */
function patchesOf(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? [])
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).map((p) => Buffer.from(p.payloads?.[0]?.data ?? []).toString('utf8')))
    .flatMap((json) => {
      const m = /"id"\s*:\s*"([^"]+)"/.exec(json);
      return m ? [m[1]] : [];
    });
}

// the request log line is written at info; a closed case is purged at once (its first run then ends: see below):
// retention 0 months, and the purge falls due at midnight in Paris of the closure's day rather than at 08:00 (a run
// between 00:00 and 08:00 in Paris would wait for it)
const APP_ENV = { LOG_LEVEL: 'log', PRE_RETENTION_MONTHS: '0', PRE_NOT_FOLLOWED_RETENTION_MONTHS: '0', PRE_TIMER_LOCAL_HOUR: '0' };

describe('tracing off (the default)', () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;

  beforeAll(async () => {
    // what the entry points do, in an environment without OTEL_* variables: nothing starts
    expect(startTracing('pre-test', { env: { OTEL_SERVICE_NAME: 'x' }, spanProcessors: [new SimpleSpanProcessor(exporter)] })).toBeUndefined();
    expect(startTracing('pre-test', { env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, spanProcessors: [new SimpleSpanProcessor(exporter)] })).toBeUndefined();
    t = await startTestApp({ env: APP_ENV });
    apiLines = [];
    workerLines.length = 0;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exports nothing, and no log line of a referral has a trace id', async () => {
    const dossierId = await refer(t, 'Offtrace');
    // the notification activity of the referral ran (its log line), so the worker's part of the referral is done
    await eventually(async () => parsed(workerLines).some((l) => typeof l.activityType === 'string' && l.workflowId === `parcours-${dossierId}`), 20_000);
    const request = parsed(apiLines).find((l) => l.context === 'HTTP' && l.route === '/parcours' && l.method === 'POST');
    expect(request).toMatchObject({ status: 201 });
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(parsed(apiLines).filter((l) => 'traceId' in l)).toEqual([]);
    expect(parsed(workerLines).filter((l) => 'traceId' in l || 'trace_id' in l)).toEqual([]);
    // a run started without a trace does no tracing work at all: not even the patch marker of a traced run
    expect(patchesOf(await t.client.workflow.getHandle(`parcours-${dossierId}`).fetchHistory())).not.toContain(TRACING_PATCH);
  });
});

describe('tracing on: one referral is one trace', () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;

  beforeAll(async () => {
    const tracing = startTracing('pre-test', { env: { OTEL_TRACES_EXPORTER: 'otlp' }, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(tracing).toBeDefined();
    t = await startTestApp({ env: APP_ENV });
    apiLines = [];
    workerLines.length = 0;
  });
  afterAll(async () => {
    await t?.close();
    await shutdownTracing();
  });

  let dossierId: string;
  let spans: ReadableSpan[];
  let http: ReadableSpan;

  it('HTTP POST /parcours → update-with-start → workflow task → activity, one trace id, parent-linked', async () => {
    dossierId = await refer(t, 'Ontrace');
    const workflowId = `parcours-${dossierId}`;
    const isActivity = (s: ReadableSpan) => s.name.startsWith('RunActivity:') && s.attributes['temporalWorkflowId'] === workflowId;
    // the StartActivity span (in the workflow) ends when the activity's result is back: a later workflow task
    spans = await eventually(async () => {
      const all = exporter.getFinishedSpans();
      const activity = all.find(isActivity);
      return activity && all.some((s) => s.spanContext().spanId === activity.parentSpanId) ? all : undefined;
    }, 20_000);
    http = spans.find((s) => s.name === 'POST /parcours')!;
    expect(http).toBeDefined();
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.parentSpanId).toBeUndefined();
    expect(http.attributes).toEqual({ 'http.request.method': 'POST', 'http.route': '/parcours', 'http.response.status_code': 201 });
    const traceId = http.spanContext().traceId;
    const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const chainOf = (s: ReadableSpan, trace: ReadableSpan[]): string[] => {
      const byId = new Map(trace.map((p) => [p.spanContext().spanId, p]));
      const names: string[] = [];
      for (let p: ReadableSpan | undefined = s; p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) names.unshift(p.name);
      return names;
    };
    const trace = inTrace();

    // the client span of the HTTP request starts the case's workflow and sends it the referral
    const uws = trace.find((s) => s.name === 'UpdateWithStartWorkflow:createReferral')!;
    expect(uws).toBeDefined();
    expect(uws.parentSpanId).toBe(http.spanContext().spanId);
    // the workflow task that answers it (a span made in the workflow sandbox)
    const update = trace.find((s) => s.name === 'HandleUpdate:createReferral')!;
    expect(chainOf(update, trace)).toEqual(['POST /parcours', 'UpdateWithStartWorkflow:createReferral', 'HandleUpdate:createReferral']);
    // the activity the workflow scheduled, run by the worker, in the same trace
    const activity = trace.find(isActivity)!;
    expect(activity).toBeDefined();
    const type = activity.name.slice('RunActivity:'.length);
    expect(chainOf(activity, trace).slice(-2)).toEqual([`StartActivity:${type}`, `RunActivity:${type}`]);
    // the duplicate check on the child's registry: the same trace
    expect(trace.map((s) => s.name)).toContain('StartWorkflow:childRegistryWorkflow');

    // The workflow's RunWorkflow span ends with its run: a case's run lasts months, so it is exported when the run
    // ends (here: the case closed and purged at once, the run continues as the purged case's)
    const token = await t.token('u-coord-1', 'coordinator');
    const today = todayInParis();
    const closed = await t.http().post(`/parcours/${dossierId}/closure`).set('Authorization', `Bearer ${token}`).send({ reason: 'OTHER', motive: 'Déménagement', closedOn: today, summary: 'Fin du suivi.' });
    expect(closed.status).toBe(200);
    const full = await eventually(async () => (inTrace().some((s) => s.name === 'RunWorkflow:parcoursWorkflow') ? inTrace() : undefined), 30_000);
    const run = full.find((s) => s.name === 'RunWorkflow:parcoursWorkflow')!;
    expect(chainOf(run, full)).toEqual(['POST /parcours', 'UpdateWithStartWorkflow:createReferral', 'RunWorkflow:parcoursWorkflow']);
    expect(chainOf(activity, full)).toEqual(['POST /parcours', 'UpdateWithStartWorkflow:createReferral', 'RunWorkflow:parcoursWorkflow', `StartActivity:${type}`, `RunActivity:${type}`]);
    // every span of the trace but the HTTP span has its parent in the trace
    const ids = new Set(full.map((s) => s.spanContext().spanId));
    expect(full.filter((s) => s !== http && !ids.has(s.parentSpanId ?? '')).map((s) => s.name)).toEqual([]);
    spans = exporter.getFinishedSpans();
  });

  it('puts no personal data in span names or attributes (ids and types only)', () => {
    const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, resource: s.resource.attributes })));
    for (const secret of ['Ysolde', 'Ontrace', REFERRAL.child.birthDate, REFERRAL.child.address.line1, REFERRAL.guardians[0].phone, REFERRAL.child.school.name]) expect(text).not.toContain(secret);
  });

  it("carries the trace id on the request's log line and on the activity's", async () => {
    const traceId = http.spanContext().traceId;
    const request = parsed(apiLines).find((l) => l.context === 'HTTP' && l.route === '/parcours' && l.method === 'POST');
    expect(request).toMatchObject({ status: 201, traceId });
    const activityLines = await eventually(async () => {
      const lines = parsed(workerLines).filter((l) => l.workflowId === `parcours-${dossierId}` && typeof l.activityType === 'string');
      return lines.length > 0 ? lines : undefined;
    });
    for (const line of activityLines) expect(line).toMatchObject({ traceId });
    expect(parsed(workerLines).filter((l) => 'trace_id' in l)).toEqual([]);
  });

  it('records the patch opentelemetry-tracing in a new run, and the traced run replays without a nondeterminism error', async () => {
    const workflowId = `parcours-${dossierId}`;
    // the case's first run, ended by the purge (continue-as-new): the run of the referral's trace
    const runId = await eventually(async () => {
      for await (const info of t.client.workflow.list({ query: `WorkflowId = '${workflowId}' AND ExecutionStatus = 'ContinuedAsNew'` })) return info.runId;
      return undefined;
    });
    const history = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const markers = (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_MARKER_RECORDED).map((e) => e.markerRecordedEventAttributes?.markerName);
    expect(markers).toContain('core_patch');
    expect(patchesOf(history)).toContain(TRACING_PATCH);
    await Worker.runReplayHistory({ ...workflowBundle(), dataConverter: dataConverter(t.config), ...workerTracingOptions(true) }, history, workflowId);
  });
});
