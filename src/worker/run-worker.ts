import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities/index';
import type { AppConfig } from '../config/env';
import { projectRoot } from '../config/project-root';
import { notificationDeps } from '../notifications/notification-deps';
import { connectionOptions } from '../temporal/connection-options';
import { maxCachedWorkflowsFor } from './cache-budget';
import { workerDeploymentOptionsOf } from './deployment';
import { dataConverter } from '../temporal/data-converter';
import { workerTracingOptions } from '../telemetry/temporal-tracing';
import { activeTracing } from '../telemetry/tracing';

let runtimeInstalled = false;

/** An IPv6 host goes in brackets in a bind address. */
function metricsHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The bind address of the worker's Prometheus endpoint (loopback unless WORKER_METRICS_HOST says otherwise). */
export function workerMetricsBindAddress(config: Pick<AppConfig, 'WORKER_METRICS_HOST' | 'WORKER_METRICS_PORT'>): string {
  return `${metricsHost(config.WORKER_METRICS_HOST)}:${config.WORKER_METRICS_PORT}`;
}

/**
 * One JSON line of the SDK's logger (the worker's, its workflows' and activities' logs). The OpenTelemetry interceptors
 * put `trace_id`, `span_id` and `trace_flags` in the metadata of the logs written in a workflow or an activity: the
 * line says `traceId` (and `spanId`) while tracing is on, nothing of them when off (the workflow interceptors always
 * run, so a workflow's spans have ids even then).
 */
export function runtimeLogLine(entry: LogEntry): string {
  const { trace_id: traceId, span_id: spanId, trace_flags: _flags, ...meta } = entry.meta ?? {};
  const trace = activeTracing() && typeof traceId === 'string' ? { traceId, ...(typeof spanId === 'string' ? { spanId } : {}) } : {};
  return JSON.stringify({ level: entry.level.toLowerCase(), time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), context: 'Temporal', msg: entry.message, ...trace, ...meta }) + '\n';
}

/**
 * Installs the SDK runtime once per process: JSON logs on stdout, SDK metrics on their own Prometheus port,
 * and no signal handling of its own (the process entry points drain in order: API, worker, dev server).
 */
export function installRuntime(config: AppConfig): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  if (config.NODE_ENV === 'test') {
    // tests: warnings and errors only, no metrics port; a test helper may have installed one already
    try {
      Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
    } catch {
      // already installed
    }
    return;
  }
  const level = config.LOG_LEVEL === 'debug' ? 'DEBUG' : config.LOG_LEVEL === 'log' ? 'INFO' : config.LOG_LEVEL === 'warn' ? 'WARN' : 'ERROR';
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry: LogEntry) => void process.stdout.write(runtimeLogLine(entry))),
    telemetryOptions: {
      logging: { filter: `${level === 'DEBUG' ? 'DEBUG' : 'WARN'}`, forward: {} },
      ...(config.WORKER_METRICS_PORT > 0 ? { metrics: { prometheus: { bindAddress: workerMetricsBindAddress(config) } } } : {}),
    },
  });
}

/** Where the worker finds its workflows: the prebuilt bundle of `npm run build`, else the sources. */
export function workflowSource(config: AppConfig): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const root = projectRoot();
  const bundle = config.WORKFLOW_BUNDLE_PATH ?? join(root, 'dist', 'workflow-bundle.js');
  if (existsSync(bundle) && (config.WORKFLOW_BUNDLE_PATH || __filename.endsWith('.js'))) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve(join(root, 'workflows')) };
}

/** The activities' dependencies, built from configuration. */
export function activityDeps(config: AppConfig, connection: NativeConnection) {
  return {
    ...notificationDeps(config, connection),
    eligibleQpvs: config.PRE_ELIGIBLE_QPVS.split(',').filter(Boolean),
    eligibilityRuleVersion: config.PRE_ELIGIBILITY_RULE_VERSION,
  };
}

/** Creates the worker of the project's task queue (all workflows, all activities); `tuning` overrides worker options (bench). */
export async function createWorker(config: AppConfig, connection?: NativeConnection, tuning: Partial<WorkerOptions> = {}): Promise<{ worker: Worker; connection: NativeConnection }> {
  installRuntime(config);
  const conn = connection ?? (await NativeConnection.connect(connectionOptions(config)));
  const source = workflowSource(config);
  const worker = await Worker.create({
    connection: conn,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...source,
    activities: createActivities(activityDeps(config, conn)),
    dataConverter: dataConverter(config),
    shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS ?? maxCachedWorkflowsFor(config.WORKER_MEMORY_BUDGET_MIB),
    ...(config.WORKER_WORKFLOW_THREADS ? { workflowThreadPoolSize: config.WORKER_WORKFLOW_THREADS } : {}),
    ...workerTracingOptions('workflowBundle' in source), // OpenTelemetry: activity interceptors, the workflow spans' sink (README, Tracing)
    ...workerDeploymentOptionsOf(config), // Worker Versioning when PRE_WORKER_DEPLOYMENT/PRE_WORKER_BUILD_ID are set
    ...tuning,
  });
  return { worker, connection: conn };
}
