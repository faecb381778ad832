/**
 * OpenTelemetry tracing, off by default. The standard OTEL_* variables turn it on and configure it: the
 * OpenTelemetry Node SDK (NodeSDK) reads them, exports spans with OTLP (or what OTEL_TRACES_EXPORTER names), and
 * registers the global tracer provider, W3C propagation and an AsyncLocalStorage context manager. One referral is
 * one trace: the API's HTTP span (./http-tracing), the client's update-with-start span, the workflow's spans and the
 * activities' spans (./temporal-tracing). Log lines carry the trace id (traceFields) only while tracing is on.
 */
import { context, isSpanContextValid, trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { Resource, type IResource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The running tracing of this process: where spans go (the workflow spans' sink needs it) and its resource. */
export interface Tracing {
  readonly spanProcessor: SpanProcessor;
  readonly resource: IResource;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

const isSet = (v: string | undefined) => v !== undefined && v.trim() !== '';

/**
 * Whether the environment asks for traces: OTEL_TRACES_EXPORTER names an exporter (other than `none`), or an OTLP
 * endpoint is set; OTEL_SDK_DISABLED=true wins over both (the specification's meaning of that variable).
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (exporters.length > 0) return exporters[0] !== 'none'; // NodeSDK: "none" first means no exporter at all
  return isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT) || isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface StartTracingOptions {
  /** The environment that decides whether tracing is on (default process.env; the SDK reads its settings there). */
  env?: NodeJS.ProcessEnv;
  /** Where spans go instead of the exporters the environment names (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

/**
 * Starts the OpenTelemetry Node SDK when the environment asks for it (see tracingRequested), once per process:
 * a second call returns the running one. `service` is the default of OTEL_SERVICE_NAME. Returns undefined when
 * tracing stays off. No instrumentation is loaded: the HTTP spans come from ./http-tracing and the Temporal spans
 * from @temporalio/interceptors-opentelemetry.
 */
export function startTracing(service: string, options: StartTracingOptions = {}): Tracing | undefined {
  if (active) return active;
  const env = options.env ?? process.env;
  if (!tracingRequested(env)) return undefined;
  const sdk = new NodeSDK({
    ...(isSet(env.OTEL_SERVICE_NAME) ? {} : { serviceName: service }),
    instrumentations: [],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    // the project's logs are JSON lines on stdout (with the trace id), not OpenTelemetry log records
    logRecordProcessors: [],
  });
  sdk.start();
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as Partial<{ getActiveSpanProcessor(): SpanProcessor; resource: IResource }>;
  if (typeof provider.getActiveSpanProcessor !== 'function') {
    // the SDK registered nothing (no usable exporter): tracing stays off
    void sdk.shutdown();
    return undefined;
  }
  active = {
    spanProcessor: provider.getActiveSpanProcessor(),
    resource: provider.resource ?? Resource.empty(),
    shutdown: async () => {
      active = undefined;
      await sdk.shutdown();
    },
  };
  return active;
}

/** The running tracing of this process, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/** Sends the spans still buffered (the API's shutdown hook; the process may be killed right after). */
export async function flushTracing(): Promise<void> {
  await active?.spanProcessor.forceFlush();
}

/** Flushes and stops tracing (the worker's and the embedded default's last step). */
export async function shutdownTracing(): Promise<void> {
  await active?.shutdown();
}

/** The trace id of the active span, to put on a log line; empty when tracing is off or no span is active. */
export function traceFields(): { traceId?: string } {
  if (!active) return {};
  const span = trace.getSpan(context.active())?.spanContext();
  return span && isSpanContextValid(span) ? { traceId: span.traceId } : {};
}
