/**
 * Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry), as the SDK documents them for
 * TypeScript: the client interceptor (StartWorkflow, UpdateWithStartWorkflow… spans and the trace context in the
 * headers), the workflow interceptor module (RunWorkflow, HandleUpdate, StartActivity… spans, made in the sandbox and
 * handed out through the `exporter` sink), the activity interceptors (RunActivity spans, the trace id on the
 * activities' log lines).
 *
 * The workflow interceptors are part of the workflow code whatever the settings: every bundle (`npm run build`, the
 * tests' global setup, the bench) is built with workflowBundleTracing(), so turning tracing on or off never changes
 * the code a history replays against; and they trace only the runs that began with them
 * (workflows/shared/tracing.interceptors.ts: the patch `opentelemetry-tracing`). Tracing off: the `exporter` sink
 * drops the workflow's spans and the client's and activities' tracers are OpenTelemetry's no-op ones (no SDK
 * registered), so nothing is exported and no header is sent. The interceptors put no payload in a span: names carry
 * workflow, update and activity types, attributes the ids (never personal data: ids are opaque, docs/domain.md).
 */
import { join } from 'node:path';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import { activeTracing } from './tracing';

/** The workflow interceptor module of every bundle (compiled beside this file in dist/, or the sources). */
export const WORKFLOW_TRACING_MODULE = require.resolve(join(__dirname, '..', '..', 'workflows', 'shared', 'tracing.interceptors'));

/** The bundler's options: the workflow interceptor module in the bundle. */
export function workflowBundleTracing(): { workflowInterceptorModules: string[] } {
  return { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] };
}

/**
 * The worker's options: activity interceptors and the workflow spans' sink (to the running tracing's span processor,
 * dropped when off); the workflow module too when the worker bundles the sources itself (a prebuilt bundle has it).
 */
export function workerTracingOptions(bundled: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const tracing = activeTracing();
  const sinks: InjectedSinks<OpenTelemetrySinks> = {
    exporter: makeWorkflowExporter(tracing?.spanProcessor ?? new NoopSpanProcessor(), (tracing?.resource ?? Resource.empty()) as Resource),
  };
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      ...(bundled ? {} : { workflowModules: [WORKFLOW_TRACING_MODULE] }),
    },
    sinks,
  };
}

/** The API client's interceptors: only while tracing is on (off, the client sends exactly what it sent before). */
export function clientTracingInterceptors(): WorkflowClientInterceptor[] {
  return activeTracing() ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}
