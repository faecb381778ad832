/**
 * The workflow interceptors of @temporalio/interceptors-opentelemetry (RunWorkflow, HandleUpdate, HandleSignal,
 * StartActivity, SignalWorkflow, StartChildWorkflow… spans, and the trace id on the workflow's log lines), for the
 * runs that began with them only. Their outbound wrappers change when commands are issued (an update completes
 * before or after a signal to another workflow): a history recorded without them fails to replay with them
 * (test/replay: "Signal external WF machine does not handle this event"). So each run decides once, at its first
 * interceptor call, with the patch `opentelemetry-tracing`: a new run records the marker and is traced for its
 * whole life; a run whose history began without the marker (started before this code) never is — its next run
 * (continue-as-new) is. Validators and queries, which may not issue commands, only follow a decision already made.
 *
 * Only a run whose start carried a trace header (the starter's tracing on) is traced: a run started with tracing
 * off records no marker and does no tracing work for its whole life.
 *
 * Every workflow bundle holds this module (src/telemetry/temporal-tracing.ts), whatever the tracing settings:
 * tracing off in the worker, the spans of a traced run are dropped by the worker's `exporter` sink.
 */
import type {
  ActivityInput,
  ContinueAsNewInput,
  DisposeInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { patched } from '@temporalio/workflow';
import type * as OpenTelemetry from '@temporalio/interceptors-opentelemetry';

/**
 * The OpenTelemetry interceptors' module, loaded by the first traced run's first call. With `reuseV8Context` every
 * new workflow evaluates the modules it requires: loaded at the top, the OpenTelemetry SDK (its tracer provider
 * included) was evaluated for each new workflow, traced or not — issue 17 profiled it at 8 % of the workflow thread's
 * time during referrals. An untraced run never loads it.
 */
function openTelemetry(): typeof OpenTelemetry {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@temporalio/interceptors-opentelemetry') as typeof OpenTelemetry;
}

export const TRACING_PATCH = 'opentelemetry-tracing';

/**
 * The header the OpenTelemetry client interceptor puts on a start, update or signal it traces (the plugin's
 * `TRACE_HEADER`, not exported by its entry point): its wire name, part of the run's history.
 */
export const TRACE_HEADER = '_tracer-data';

class Decision {
  private traced: boolean | undefined;
  /** Whether the run's start carried a trace (the starter had tracing on): set by `execute`, the run's first call. */
  startTraced = false;

  /**
   * Decides (first call of the run) or returns the decision. Not for validators and queries. A run whose start
   * carried no trace (tracing off where it was started) is never traced and records no marker: with tracing off,
   * the workflow does no tracing work at all (issue 17 measured it: ×2.5 the worker's CPU per update otherwise).
   */
  decide(): boolean {
    this.traced ??= this.startTraced && patched(TRACING_PATCH);
    return this.traced;
  }

  /** The decision if made, else false (validators and queries: no command). */
  get made(): boolean {
    return this.traced === true;
  }
}

class GatedInbound implements WorkflowInboundCallsInterceptor {
  private made?: OpenTelemetry.OpenTelemetryInboundInterceptor;
  constructor(private readonly run: Decision) {}

  private get otel(): OpenTelemetry.OpenTelemetryInboundInterceptor {
    return (this.made ??= new (openTelemetry().OpenTelemetryInboundInterceptor)());
  }

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    this.run.startTraced = input.headers[TRACE_HEADER] !== undefined;
    return this.run.decide() ? this.otel.execute(input, next) : next(input);
  }
  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return this.run.decide() ? this.otel.handleSignal(input, next) : next(input);
  }
  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return this.run.decide() ? this.otel.handleUpdate(input, next) : next(input);
  }
  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    return this.run.made ? this.otel.validateUpdate(input, next) : next(input);
  }
  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return this.run.made ? this.otel.handleQuery(input, next) : next(input);
  }
}

class GatedOutbound implements WorkflowOutboundCallsInterceptor {
  private made?: OpenTelemetry.OpenTelemetryOutboundInterceptor;
  constructor(private readonly run: Decision) {}

  private get otel(): OpenTelemetry.OpenTelemetryOutboundInterceptor {
    return (this.made ??= new (openTelemetry().OpenTelemetryOutboundInterceptor)());
  }

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return this.run.decide() ? this.otel.scheduleActivity(input, next) : next(input);
  }
  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return this.run.decide() ? this.otel.scheduleLocalActivity(input, next) : next(input);
  }
  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return this.run.decide() ? this.otel.startChildWorkflowExecution(input, next) : next(input);
  }
  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return this.run.decide() ? this.otel.continueAsNew(input, next) : next(input);
  }
  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    return this.run.decide() ? this.otel.signalWorkflow(input, next) : next(input);
  }
  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return this.run.made ? this.otel.getLogAttributes(input, next) : next(input);
  }
}

/** Releases a traced run's OpenTelemetry context manager when the run leaves the worker; an untraced run has none. */
class Internals implements WorkflowInternalsInterceptor {
  constructor(private readonly run: Decision) {}

  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    if (!this.run.made) return next(input);
    void new (openTelemetry().OpenTelemetryInternalsInterceptor)().dispose(input, next);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const run = new Decision();
  return { inbound: [new GatedInbound(run)], outbound: [new GatedOutbound(run)], internals: [new Internals(run)] };
};
