import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/env';
import { TemporalService } from '../temporal/temporal.service';
import { ensureSchedulesInBackground, schedulesAtStartup } from './ensure-schedules';

/**
 * Ensures the schedules when the API starts, in the background: the API starts (and answers 503 where it needs
 * Temporal) while Temporal is down, and the schedules appear as soon as it is reachable.
 */
@Injectable()
export class SchedulesBootstrap implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Schedules');
  private running?: { stop: () => void; done: Promise<boolean> };

  constructor(
    private readonly temporal: TemporalService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!schedulesAtStartup(this.config)) return;
    this.running = ensureSchedulesInBackground(this.temporal.client, this.config, { log: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m) });
  }

  /** Resolves once the schedules are ensured (true) or the API stops first (false); undefined when disabled. */
  get ready(): Promise<boolean> | undefined {
    return this.running?.done;
  }

  onApplicationShutdown(): void {
    this.running?.stop();
  }
}
