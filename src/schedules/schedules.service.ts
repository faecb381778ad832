import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import type { Caller } from '../auth/roles';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { TemporalService } from '../temporal/temporal.service';
import type { BackfillDto, ScheduleViewDto } from './dto/schedule.dto';
import { scheduleDefinitions, type ScheduleDefinition } from './schedule-definitions';
import { parisDateOf } from '../../workflows/shared/calendar';

const MAX_BACKFILL_DAYS = 31;

/** A protobuf timestamp of an instant (the proto's own conversion: seconds as a 64-bit integer). */
function timestampOf(d: Date): google.protobuf.ITimestamp {
  const ms = d.getTime();
  return google.protobuf.Timestamp.fromObject({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
}
/** Remembered Idempotency-Keys of trigger/backfill (per API process; the server also dedupes by request id). */
const MAX_REMEMBERED_KEYS = 500;

/** Operates the project's Temporal Schedules (API.md "Schedules, reminders, reports"). */
@Injectable()
export class SchedulesService {
  private readonly definitions: ScheduleDefinition[];
  private readonly answered = new Map<string, unknown>();

  constructor(
    private readonly temporal: TemporalService,
    config: AppConfig,
  ) {
    this.definitions = scheduleDefinitions(config);
  }

  private definition(id: string): ScheduleDefinition {
    const def = this.definitions.find((d) => d.id === id);
    if (!def) {
      throw ProblemException.of(404, 'schedule-not-found', `There is no schedule "${id}". Known schedules: ${this.definitions.map((d) => d.id).join(', ')}.`, {
        scheduleId: id,
      });
    }
    return def;
  }

  private view(def: ScheduleDefinition, desc?: ScheduleDescription): ScheduleViewDto {
    const base = {
      id: def.id,
      name: def.name,
      workflowType: def.workflowType,
      description: def.description,
      spec: { summary: def.specSummary, timezone: def.options.spec.timezone ?? 'UTC' },
    };
    if (!desc) {
      return {
        ...base,
        exists: false,
        paused: false,
        policies: { overlap: def.options.policies?.overlap, reason: def.policyReason },
        nextRunTimes: [],
        recentActions: [],
        runningWorkflowIds: [],
      };
    }
    return {
      ...base,
      exists: true,
      note: desc.state.note,
      paused: desc.state.paused,
      policies: { overlap: desc.policies.overlap, catchupWindowSeconds: Math.round(desc.policies.catchupWindow / 1000), reason: def.policyReason },
      nextRunTimes: desc.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString()),
      recentActions: desc.info.recentActions.map((a) => ({
        scheduledAt: a.scheduledAt.toISOString(),
        takenAt: a.takenAt.toISOString(),
        workflowId: a.action.workflow.workflowId,
      })),
      runningWorkflowIds: desc.info.runningActions.map((a) => a.workflow.workflowId),
      numActionsTaken: desc.info.numActionsTaken,
      numActionsMissedCatchupWindow: desc.info.numActionsMissedCatchupWindow,
      numActionsSkippedOverlap: desc.info.numActionsSkippedOverlap,
      createdAt: desc.info.createdAt.toISOString(),
      lastUpdatedAt: desc.info.lastUpdatedAt?.toISOString(),
    };
  }

  private async describe(def: ScheduleDefinition): Promise<ScheduleDescription | undefined> {
    try {
      return await this.temporal.client.schedule.getHandle(def.id).describe();
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return undefined;
      throw e;
    }
  }

  /** The schedule of an id, which must exist in Temporal for an operation (404 otherwise). */
  private async existing(id: string): Promise<ScheduleDefinition> {
    const def = this.definition(id);
    if (!(await this.describe(def))) {
      throw ProblemException.of(404, 'schedule-not-found', `The schedule "${id}" is not created yet: it is created when the API or a worker starts with Temporal reachable.`, {
        scheduleId: id,
      });
    }
    return def;
  }

  async list(): Promise<{ items: ScheduleViewDto[] }> {
    const items = await Promise.all(this.definitions.map(async (d) => this.view(d, await this.describe(d))));
    return { items };
  }

  async get(id: string): Promise<ScheduleViewDto> {
    const def = this.definition(id);
    return this.view(def, await this.describe(def));
  }

  private remembered<T>(key: string | undefined, op: string, id: string): T | undefined {
    return key ? (this.answered.get(`${op}:${id}:${key}`) as T | undefined) : undefined;
  }

  private remember(key: string | undefined, op: string, id: string, answer: unknown): void {
    if (!key) return;
    this.answered.set(`${op}:${id}:${key}`, answer);
    if (this.answered.size > MAX_REMEMBERED_KEYS) this.answered.delete(this.answered.keys().next().value!);
  }

  /** A patch with the Idempotency-Key as request id, so that the server applies a repeated request once. */
  private async patch(id: string, patch: temporal.api.schedule.v1.ISchedulePatch, key?: string): Promise<void> {
    await this.temporal.client.workflowService.patchSchedule({
      namespace: this.temporal.namespace,
      scheduleId: id,
      patch,
      identity: this.temporal.client.options.identity,
      requestId: key ? `pre-api:${key}` : randomUUID(),
    });
  }

  /** Runs the schedule's action now (overlap ALLOW_ALL: a trigger is an explicit request). */
  async trigger(id: string, caller: Caller, key?: string): Promise<ScheduleViewDto & { triggeredAt: string; triggeredBy: string }> {
    const seen = this.remembered<ScheduleViewDto & { triggeredAt: string; triggeredBy: string }>(key, 'trigger', id);
    if (seen) return seen;
    const def = await this.existing(id);
    const triggeredAt = new Date().toISOString();
    await this.patch(id, { triggerImmediately: { overlapPolicy: temporal.api.enums.v1.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL } }, key);
    const answer = { ...this.view(def, await this.describe(def)), triggeredAt, triggeredBy: caller.sub };
    this.remember(key, 'trigger', id, answer);
    return answer;
  }

  async pause(id: string, caller: Caller, note?: string): Promise<ScheduleViewDto> {
    const def = await this.existing(id);
    await this.temporal.client.schedule.getHandle(id).pause(note?.trim() || `Mis en pause par ${caller.sub} le ${parisDateOf(Date.now())}`);
    return this.view(def, await this.describe(def));
  }

  async unpause(id: string, caller: Caller, note?: string): Promise<ScheduleViewDto> {
    const def = await this.existing(id);
    await this.temporal.client.schedule.getHandle(id).unpause(note?.trim() || `Repris par ${caller.sub} le ${parisDateOf(Date.now())} — ${def.description}`);
    return this.view(def, await this.describe(def));
  }

  /**
   * Takes the actions the schedule would have taken in [from, to), now (overlap ALLOW_ALL so that each missed run
   * happens; each run has its own scheduled time, hence its own notifications).
   */
  async backfill(id: string, body: BackfillDto, caller: Caller, key?: string): Promise<ScheduleViewDto & { backfill: { from: string; to: string; by: string } }> {
    const seen = this.remembered<ScheduleViewDto & { backfill: { from: string; to: string; by: string } }>(key, 'backfill', id);
    if (seen) return seen;
    const from = new Date(body.from);
    const to = new Date(body.to);
    if (!(from.getTime() < to.getTime())) {
      throw ProblemException.of(422, 'invalid-range', 'The backfill range must end after it starts (from < to).', { from: body.from, to: body.to });
    }
    if (to.getTime() - from.getTime() > MAX_BACKFILL_DAYS * 86_400_000) {
      throw ProblemException.of(422, 'range-too-long', `A backfill covers at most ${MAX_BACKFILL_DAYS} days; split a longer range.`, { from: body.from, to: body.to });
    }
    const def = await this.existing(id);
    await this.patch(
      id,
      {
        backfillRequest: [
          {
            startTime: timestampOf(from),
            endTime: timestampOf(to),
            overlapPolicy: temporal.api.enums.v1.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
          },
        ],
      },
      key,
    );
    const answer = { ...this.view(def, await this.describe(def)), backfill: { from: from.toISOString(), to: to.toISOString(), by: caller.sub } };
    this.remember(key, 'backfill', id, answer);
    return answer;
  }

  /** For tests and the bootstrap: the known definitions. */
  get ids(): string[] {
    return this.definitions.map((d) => d.id);
  }
}
