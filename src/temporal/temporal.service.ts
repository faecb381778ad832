import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { AppConfig } from '../config/env';
import { connectionOptions } from './connection-options';
import { dataConverter } from './data-converter';
import { clientTracingInterceptors } from '../telemetry/temporal-tracing';

/** The API's Temporal client. The connection is lazy so the API starts (and answers 503) while Temporal is down. */
@Injectable()
export class TemporalService implements OnApplicationShutdown {
  private readonly logger = new Logger(TemporalService.name);
  readonly connection: Connection;
  readonly client: Client;

  constructor(readonly config: AppConfig) {
    // Few gRPC retries (≈1 s, not the SDK's ≈20 s): with Temporal down the API answers 503 + Retry-After at once.
    this.connection = Connection.lazy({ ...connectionOptions(config), connectTimeout: '5s', interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4 }))] });
    this.client = new Client({
      connection: this.connection,
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverter(config),
      interceptors: { workflow: clientTracingInterceptors() }, // tracing on: the update-with-start span and its context
    });
  }

  get taskQueue(): string {
    return this.config.TEMPORAL_TASK_QUEUE;
  }

  get namespace(): string {
    return this.config.TEMPORAL_NAMESPACE;
  }

  /** Number of workers that polled the workflow task queue recently (DescribeTaskQueue pollers). */
  async workflowPollers(): Promise<number> {
    // a short deadline: readiness must answer fast even when the server hangs
    const res = await this.connection.withDeadline(Date.now() + 3000, () =>
      this.connection.workflowService.describeTaskQueue({
        namespace: this.namespace,
        taskQueue: { name: this.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    // an idle worker re-polls at least every ~60 s (long-poll timeout): older pollers are gone
    const recent = Date.now() - 70_000;
    return (res.pollers ?? []).filter((p) => {
      const t = p.lastAccessTime;
      if (!t?.seconds) return true;
      return Number(t.seconds) * 1000 >= recent;
    }).length;
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.connection.close();
    } catch (e) {
      this.logger.warn(`closing the Temporal connection: ${(e as Error).message}`);
    }
  }
}
