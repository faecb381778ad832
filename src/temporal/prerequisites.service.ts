import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { missingPrerequisites, registerSearchAttributes, type MissingPrerequisite } from './prerequisites';
import { TemporalService } from './temporal.service';

/**
 * The API's view of the cluster's prerequisites (namespace, search attributes): checked by readiness (the first probe
 * after start-up, then at most every 5 s) until all are there, then remembered. Not checked eagerly at bootstrap: a
 * check still retrying when the app closes would outlive the connection (the client's retry timer then throws
 * "Channel has been shut down" out of a timer); shutdown waits for a check in flight instead. With
 * PRE_REGISTER_SEARCH_ATTRIBUTES=true the missing search attributes are registered instead of reported.
 */
@Injectable()
export class PrerequisitesService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Prerequisites');
  private satisfied = false;
  private last?: { at: number; missing: MissingPrerequisite[] };
  private inFlight?: Promise<MissingPrerequisite[]>;

  constructor(private readonly temporal: TemporalService) {}

  /** Before the connection closes (TemporalService's shutdown hook): let a check in flight end (≤ its 5 s deadline). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  /** The missing prerequisites (empty: all there). Rejects when Temporal cannot be asked. */
  async missing(): Promise<MissingPrerequisite[]> {
    if (this.satisfied) return [];
    if (this.last && Date.now() - this.last.at < 5000) return this.last.missing;
    this.inFlight ??= this.check().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async check(): Promise<MissingPrerequisite[]> {
    const { connection, namespace, config } = this.temporal;
    const deadline = <T>(fn: () => Promise<T>) => connection.withDeadline(Date.now() + 5000, fn);
    let missing = await deadline(() => missingPrerequisites(connection, namespace));
    if (config.PRE_REGISTER_SEARCH_ATTRIBUTES && missing.length && missing.every((m) => m.kind === 'search-attribute')) {
      try {
        const added = await deadline(() => registerSearchAttributes(connection, namespace));
        this.logger.log(`registered the search attributes ${added.join(', ')} in namespace "${namespace}" (PRE_REGISTER_SEARCH_ATTRIBUTES=true)`);
      } catch (e) {
        this.logger.error(`registering the search attributes failed: ${(e as Error).message}`);
      }
      missing = await deadline(() => missingPrerequisites(connection, namespace));
    }
    if (missing.length) this.logger.error(`not ready: ${missing.map((m) => `${m.kind} ${m.name} missing (${m.command})`).join('; ')}`);
    this.satisfied = missing.length === 0;
    this.last = { at: Date.now(), missing };
    return missing;
  }
}
