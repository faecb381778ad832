import { Injectable } from '@nestjs/common';
import { assertMayReadCaseload } from '../auth/access-policy';
import type { Caller } from '../auth/roles';
import { attributeDate, TemporalGateway } from '../temporal/temporal-gateway';
import { eq, isQueryable, ne, onTaskQueue, running, visibilityQuery, workflowType } from '../temporal/visibility-query';
import { dossierIdOf, PARCOURS_WORKFLOW_TYPE } from '../../workflows/parcours/parcours.contract';
import { TASK_KINDS, taskKindOf } from '../../workflows/schedules/schedules.rules';
import { parisDateOf } from '../../workflows/shared/calendar';
import { PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE, PRE_STAGE } from '../../workflows/shared/search-attributes';
import { MAX_CASELOAD, OPEN_STAGES, type CaseloadDto, type CaseloadItemDto } from './caseload.dto';

/** Due soonest first, those without a due date last, then by dossier (a stable order). */
function bySoonest(a: CaseloadItemDto, b: CaseloadItemDto): number {
  const da = a.dueOn ?? '9999-12-31';
  const db = b.dueOn ?? '9999-12-31';
  if (da !== db) return da < db ? -1 : 1;
  return a.dossierId < b.dossierId ? -1 : a.dossierId > b.dossierId ? 1 : 0;
}

/**
 * A référent's caseload from the search attributes of their open cases: one visibility listing (no query to any
 * workflow, no worker involved), at most MAX_CASELOAD cases. Who may read whose caseload is the access policy's.
 */
@Injectable()
export class ReferentsService {
  constructor(private readonly temporal: TemporalGateway) {}

  async caseload(referentId: string, caller: Caller, nowMs = Date.now()): Promise<CaseloadDto> {
    assertMayReadCaseload(caller, referentId);
    const byStage: CaseloadDto['byStage'] = { REFERRED: 0, AWAITING_CONSENT: 0, AWAITING_TEAM_REVIEW: 0, ACTIVE: 0 };
    const answer: CaseloadDto = { referentId, asOf: parisDateOf(nowMs), openCases: 0, byStage, overdue: [], nextActions: [], limit: MAX_CASELOAD, truncated: false };
    // an id no query can hold follows no case
    if (!isQueryable(referentId)) return answer;
    const query = visibilityQuery(
      workflowType(PARCOURS_WORKFLOW_TYPE),
      onTaskQueue(this.temporal.taskQueue),
      // a closed case keeps running until its purge (retention): open means running and not CLOSED
      running(),
      ne('PreStage', 'CLOSED'),
      eq('PreReferentId', referentId),
    );
    const found = await this.temporal.listAll(query, MAX_CASELOAD + 1, 500);
    answer.truncated = found.length > MAX_CASELOAD;
    for (const e of found.slice(0, MAX_CASELOAD)) {
      const dossierId = dossierIdOf(e.workflowId);
      const sa = e.searchAttributes;
      const stage = sa.get(PRE_STAGE) ?? 'REFERRED';
      if (!dossierId || !(OPEN_STAGES as readonly string[]).includes(stage)) continue;
      const deadlineKind = sa.get(PRE_NEXT_DEADLINE_KIND) ?? null;
      const overdue = sa.get(PRE_OVERDUE) === true;
      const action = taskKindOf({ source: 'parcours', kind: deadlineKind ?? undefined, stage });
      const item: CaseloadItemDto = { dossierId, stage, action, label: TASK_KINDS[action], dueOn: attributeDate(sa.get(PRE_NEXT_DEADLINE)), deadlineKind, overdue };
      byStage[stage as keyof CaseloadDto['byStage']] += 1;
      answer.openCases += 1;
      (overdue ? answer.overdue : answer.nextActions).push(item);
    }
    answer.overdue.sort(bySoonest);
    answer.nextActions.sort(bySoonest);
    return answer;
  }
}
