/**
 * What a parcours holds and answers (DOMAIN.md §1, §5): the case record, the view every update and `getState` answer,
 * the retention of a closed case, the timeline and the closing summary. Part of the contract (parcours.contract.ts).
 */
import type { IsoDate } from '../shared/calendar';
import type { Actor, Deadline, Recorded, TimelineEntry as SharedTimelineEntry, TimelineTail } from '../shared/messages';
import type {
  ActionFrequency,
  ActionStatus,
  ActionType,
  ClosureReason,
  ConsentDecision,
  DeadlineKind,
  DerogationKind,
  GuardianRelationship,
  LifeEventType,
  OrienteurType,
  ParcoursStage,
  PriorityEducation,
  ProgressLevel,
  ReassessmentDecision,
  ReferralReason,
  Sex,
  SuspensionReason,
  TeamDecision,
  TimelineType,
} from './parcours.codes';
import type { ChildInput, GuardianInput, OrienteurInput, ParcoursSettings } from './parcours.inputs';
import type { AgeBand, EligibilityOutcome } from './parcours.rules';

// ---------------------------------------------------------------------------------------------------------
// The case record and its view
// ---------------------------------------------------------------------------------------------------------

export interface EligibilityRecord extends EligibilityOutcome {
  /** ISO instant of the check. */
  checkedAt: string;
  /** Set when a rectification (birth date, QPV) checked the eligibility again: ISO instant. */
  recheckedAt?: string;
  qpv: string;
  derogation?: { motive: string } & Recorded;
}

export interface ConsentRecord extends Recorded {
  decision: ConsentDecision;
  signedOn: IsoDate;
  signedBy: Array<{ name: string; relationship: GuardianRelationship }>;
  dataSharingInformed: boolean;
  note?: string;
  /** Set when the family withdrew consent later. */
  withdrawnOn?: IsoDate;
}

export interface TeamReviewRecord extends Recorded {
  meetingDate: IsoDate;
  /** The recorded EPS meeting (absent on reviews recorded before meetings were records). */
  meetingId?: string;
  decision: TeamDecision;
  objectiveIds?: string[];
  referentId?: string;
  durationMonths?: number;
  redirectedTo?: string;
  motive?: string;
}

export interface ObjectiveRecord {
  id: string;
  label: string;
  setOn: IsoDate;
  /** Level of the latest reassessment. */
  lastLevel?: ProgressLevel;
}

export interface ActionRecord extends Recorded {
  id: string;
  type: ActionType;
  provider: string;
  startsOn: IsoDate;
  endsOn?: IsoDate;
  sessions?: number;
  frequency?: ActionFrequency;
  objectiveIds: string[];
  status: ActionStatus;
  motive?: string;
  note?: string;
  /** Date the status became DONE / CANCELLED / STOPPED. */
  statusOn?: IsoDate;
}

export interface ReassessmentRecord extends Recorded {
  id: string;
  assessedOn: IsoDate;
  /** The due date this reassessment answered. */
  dueOn: IsoDate;
  progress: Array<{ objectiveId: string; level: ProgressLevel; note?: string }>;
  decision: ReassessmentDecision;
  note?: string;
}

/** The active parcours' lengths (set by VALIDATED). */
export interface PlanRecord {
  validatedOn: IsoDate;
  initialMonths: number;
  renewals: Array<{ meetingDate: IsoDate; extensionMonths: number } & Recorded>;
  /** End of the granted length (validatedOn + initial + renewals). */
  endsOn: IsoDate;
  /** Total granted months. */
  totalMonths: number;
  /** The date the case closes MAX_DURATION (validatedOn + max total, or the derogation's; null: no maximum by derogation). */
  maxEndsOn: IsoDate | null;
  /** Next reassessment due date (null once closed). */
  nextReassessmentOn: IsoDate | null;
}

export interface SuspensionRecord extends Recorded {
  reason: SuspensionReason;
  startsOn: IsoDate;
  expectedEndOn?: IsoDate;
  note?: string;
  resumedOn?: IsoDate;
}

export interface LifeEventRecord extends Recorded {
  type: LifeEventType;
  occurredOn: IsoDate;
  leftCity?: boolean;
  reportedOn?: IsoDate;
  note?: string;
}

export interface DerogationRecord extends Recorded {
  id: string;
  kind: DerogationKind;
  motive: string;
  decidedOn: IsoDate;
  untilOn?: IsoDate;
  maxTotalMonths?: number;
}

/** One rectification (GDPR art. 16): which fields changed (paths, never values), why, who and when. */
export interface RectificationRecord extends Recorded {
  /** e.g. `child.address.line1`, `child.school.level`, `guardians`. */
  fields: string[];
  motive?: string;
  /** The eligibility was checked again (a new birth date or QPV) and its outcome. */
  eligibilityRechecked?: boolean;
}

export interface ClosureRecord extends Recorded {
  reason: ClosureReason;
  closedOn: IsoDate;
  summary: string;
  handedOverTo?: string;
  redirectedTo?: string;
  motive?: string;
}

/** A closure already decided and waiting for its date (consent withdrawn, moved out). */
export interface PendingClosure {
  reason: 'CONSENT_WITHDRAWN' | 'MOVED_OUT';
  dueOn: IsoDate;
}

/** A deadline of the case, as shown in `deadlines` (staff deadlines only can be overdue; closures never are). */
export interface DeadlineView extends Deadline<DeadlineKind> {
  actionId?: string;
}

/** The case's data (what the workflow holds; the view adds derived fields). */
export interface ParcoursRecord {
  dossierId: string;
  stage: ParcoursStage;
  referredOn: IsoDate;
  createdBy: Actor;
  createdAt: string;
  childKey: string;
  settings: ParcoursSettings;
  child: ChildInput;
  guardians: GuardianInput[];
  orienteur: OrienteurInput;
  reasons: ReferralReason[];
  context?: string;
  ageOnReferral: number;
  ageBand: AgeBand;
  eligibility: EligibilityRecord | null;
  referentId: string | null;
  consent: ConsentRecord | null;
  reviews: TeamReviewRecord[];
  objectives: ObjectiveRecord[];
  actions: ActionRecord[];
  plan: PlanRecord | null;
  reassessments: ReassessmentRecord[];
  /** The current suspension (null when not suspended). */
  suspension: SuspensionRecord | null;
  suspensions: SuspensionRecord[];
  /** Date the family became unreachable (null when reachable). */
  unreachableSince: IsoDate | null;
  lifeEvents: LifeEventRecord[];
  pendingClosure: PendingClosure | null;
  derogations: DerogationRecord[];
  closure: ClosureRecord | null;
  /** Corrections of the child's and family's data (absent on cases recorded before rectifications). */
  rectifications?: RectificationRecord[];
  /** Counters for ids (o1, a1, r1, d1). */
  seq: { objective: number; action: number; reassessment: number; derogation: number };
  /** ISO instant of the last change. */
  updatedAt: string;
}

/** Answer of every update and of `getState`: the case as it now stands (API.md "A case answer"). */
export interface ParcoursView extends Omit<ParcoursRecord, 'settings' | 'childKey' | 'seq'> {
  workflowId: string;
  /** Null only before the check: every update answer, including the first, comes after it. */
  eligibility: EligibilityRecord | null;
  suspended: boolean;
  /** Open deadlines, soonest first. */
  deadlines: DeadlineView[];
  nextDeadline: DeadlineView | null;
  overdue: boolean;
  /** Short names of what the current stage accepts (the 409 sentence lists the same). */
  accepts: string[];
  timeline: TimelineTail<TimelineEntry>;
  /** A closed case: until when its personal data are kept (absent while the case is open). */
  retention?: RetentionView;
}

// ---------------------------------------------------------------------------------------------------------
// Retention (DOMAIN.md §5)
// ---------------------------------------------------------------------------------------------------------

/** How long a closed case keeps its personal data. */
export interface RetentionView {
  /** The family was last in contact: the date it became unreachable when it still was at closure, else the closure date. */
  lastContactOn: IsoDate;
  retentionMonths: number;
  /** The personal data leave the case on this day (00:00 UTC): lastContactOn + retentionMonths. */
  purgeOn: IsoDate;
  /**
   * False for a referral that never became a parcours (never validated by the EPS), kept the shorter period
   * (`notFollowedRetentionMonths`); absent on purged cases recorded before the rule.
   */
  followed?: boolean;
}

/** What remains of a case once its personal data are purged: dates and codes, nothing about the child. */
export interface PurgedCaseRecord extends RetentionView {
  dossierId: string;
  closedOn: IsoDate;
  closureReason: ClosureReason;
  /** ISO instant the personal data left the case's current run. */
  purgedAt: string;
  /** Set once the retention schedule has deleted the case's earlier runs (the histories that held the data). */
  erasure: ErasureConfirmation | null;
}

/** The retention job's word that a purged case's earlier runs are deleted. */
export interface ErasureConfirmation {
  runsDeleted: number;
  /** ISO instant. */
  at: string;
  /** Workflow id of the retention run that deleted them. */
  by: string;
}

/** `getState` on a purged case: the API answers 410 Gone with it. */
export interface PurgedCaseView {
  dossierId: string;
  workflowId: string;
  purged: PurgedCaseRecord;
}

// ---------------------------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------------------------

/** One recorded change of a case (the shared timeline entry, with the parcours' types and stages). */
export type TimelineEntry = SharedTimelineEntry<TimelineType, ParcoursStage>;

// ---------------------------------------------------------------------------------------------------------
// Result
// ---------------------------------------------------------------------------------------------------------

/** The workflow's result when the case closes: anonymised figures for the yearly report (DOMAIN.md §4), no names. */
export interface ParcoursClosingSummary {
  dossierId: string;
  qpv: string;
  ageOnReferral: number;
  ageBand: AgeBand;
  sex: Sex;
  referredOn: IsoDate;
  orienteurType: OrienteurType;
  reasons: ReferralReason[];
  eligible: boolean;
  eligibilityRuleVersion: string | null;
  derogations: DerogationKind[];
  consentOn: IsoDate | null;
  /** Each EPS decision with its meeting date, in order. */
  teamDecisions: Array<{ meetingDate: IsoDate; decision: TeamDecision }>;
  /** Date of the first EPS decision other than MORE_INFO (for "delay referral → EPS decision"). */
  decisionOn: IsoDate | null;
  validatedOn: IsoDate | null;
  /** Actions by type, counting every status except CANCELLED. */
  actionsByType: Partial<Record<ActionType, number>>;
  /** Actions marked DONE, by type. */
  actionsDoneByType: Partial<Record<ActionType, number>>;
  reassessments: number;
  renewals: number;
  grantedMonths: number | null;
  closureReason: ClosureReason;
  closedOn: IsoDate;
  /** Days from referral to closure. */
  durationDays: number;
  /** Days from validation to closure (null when never active). */
  activeDays: number | null;
  /** School year and civil year of the referral and of the closure, for the report's two periods. */
  referredSchoolYear: string;
  closedSchoolYear: string;
  /** Common-law service (organisation, not a person) for HANDED_OVER / REDIRECTED. */
  handedOverTo?: string;
  schoolLevel?: string;
  priorityEducation?: PriorityEducation;
}

