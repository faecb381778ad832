/**
 * Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry), through the SDK's plugin: the
 * client interceptor (its spans: StartWorkflow, UpdateWithStart, StartWorkflowUpdate… and the trace context in the
 * headers), the workflow interceptor modules (RunWorkflow, HandleUpdate, StartActivity… spans, made in the sandbox
 * and handed out through the `exporter` sink), the activity interceptors (RunActivity spans, the trace id on the
 * activities' log lines).
 *
 * The workflow interceptors are part of the workflow code whatever the settings: every bundle (`npm run build`, the
 * tests' global setup, the bench) is built with workflowBundlePlugins(), so turning tracing on or off never changes
 * the code a history replays against. Tracing off: the `exporter` sink drops the workflow's spans and the client's and
 * activities' tracers are OpenTelemetry's no-op ones (no SDK registered), so nothing is exported and no header sent.
 * The interceptors put no payload in a span: names carry workflow, update and activity types, attributes the ids.
 */
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { OpenTelemetryPlugin, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { activeTracing } from './tracing';

/** The worker's plugin: interceptors on every worker, spans to the running tracing's processor (none when off). */
export function workerTracingPlugin(): OpenTelemetryPlugin {
  const tracing = activeTracing();
  return new OpenTelemetryPlugin({ resource: tracing?.resource ?? Resource.empty(), spanProcessor: tracing?.spanProcessor ?? new NoopSpanProcessor() });
}

/** The bundler's plugins: the workflow interceptor modules in the bundle (the spans' destination is the worker's). */
export function workflowBundlePlugins(): { plugins: OpenTelemetryPlugin[] } {
  return { plugins: [new OpenTelemetryPlugin({ resource: Resource.empty(), spanProcessor: new NoopSpanProcessor() })] };
}

/** The API client's interceptors: only while tracing is on (off, the client sends exactly what it sent before). */
export function clientTracingInterceptors(): WorkflowClientInterceptor[] {
  return activeTracing() ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}
