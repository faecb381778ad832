/**
 * The contract of `parcoursWorkflow` (DOMAIN.md §1): one workflow per child's case, id `parcours-<dossierId>`.
 * The API imports this file (and parcours.rules.ts) to start cases, send updates and read queries.
 *
 * How the API uses it:
 * - `POST /parcours`: `client.workflow.executeUpdateWithStart(createReferralUpdate, { args: [{ actor, at,
 *   idempotencyKey }], startWorkflowOperation: new WithStartWorkflowOperation(parcoursWorkflow, { workflowId:
 *   workflowIdFor(dossierId), args: [input], typedSearchAttributes: initialSearchAttributes(input),
 *   staticSummary: staticSummaryFor(input.referral), workflowIdConflictPolicy: 'USE_EXISTING', ... }) })`.
 *   The update answers once eligibility has been checked: the first `ParcoursView` (stage AWAITING_CONSENT, or
 *   CLOSED with closure.reason INELIGIBLE).
 * - Every staff action: `handle.executeUpdate(xxxUpdate, { args: [input], updateId: idempotencyKey })`; every
 *   update answers the `ParcoursView` as it now stands, or fails with an ApplicationFailure whose `type` is a
 *   `FailureType` (workflows/failures.ts): INVALID_TRANSITION (stage does not accept it), CLOSED, RULE_VIOLATION,
 *   NOT_FOUND (unknown objective or action), CONFLICT (action already done/cancelled), DUPLICATE (idempotency key
 *   reused for another kind of request), BAD_INPUT.
 * - A closed case's workflow COMPLETES with `ParcoursClosingSummary` as its result, so it accepts no update
 *   any more. On the dev server an update to it fails with `WorkflowNotFoundError` ("workflow execution already
 *   completed"), which the global filter would answer 404: the API must catch it, `describe()` the execution and,
 *   when its status is COMPLETED, answer 409 `closed` (a truly unknown dossier fails describe with 404). While the
 *   case is closed but its workflow still finishing (a few ms), the validator answers FailureType.CLOSED itself.
 *   Queries still work on a completed workflow (`getState`, `getTimeline`), for as long as the namespace retains it.
 * - `POST /parcours` retried with the same Idempotency-Key must reuse the same dossierId (e.g. derived from the key)
 *   for the workflow to answer the stored first state; the duplicate-child check is
 *   `PreChildKey = '<key>' AND PreStage != 'CLOSED'` in visibility (eventually consistent).
 * - Settings travel in the input (workflows never read env); `settingsFromEnv`-style mapping lives in the API.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { NotificationRequest } from '../../activities/notifications.types';
import type { CaseFigures } from './parcours.figures';
import { addDays, ageBandLabel, ageBandOf, ageOn, type AgeBand, type EligibilityOutcome, type IsoDate } from './parcours.rules';
import { PRE_AGE_BAND, PRE_CHILD_KEY, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE, PRE_QPV, PRE_REFERRED_ON, PRE_REFERENT_ID, PRE_STAGE } from '../shared/search-attributes';

export type { AgeBand, IsoDate } from './parcours.rules';

// ---------------------------------------------------------------------------------------------------------
// Identity and enums
// ---------------------------------------------------------------------------------------------------------

/** The workflow id of a case: `parcours-<dossierId>` (the dossierId is opaque, without personal data). */
export function workflowIdFor(dossierId: string): string {
  return `parcours-${dossierId}`;
}

/** The workflow type of a case (visibility queries filter on it). */
export const PARCOURS_WORKFLOW_TYPE = 'parcoursWorkflow';

/** The dossierId of a parcours workflow id, or null when the id is not one. */
export function dossierIdOf(workflowId: string): string | null {
  return workflowId.startsWith('parcours-') ? workflowId.slice('parcours-'.length) : null;
}

/** Stages of a case, in order (DOMAIN.md §1). Suspension is a state of ACTIVE, not a stage. */
export const PARCOURS_STAGES = ['REFERRED', 'AWAITING_CONSENT', 'AWAITING_TEAM_REVIEW', 'ACTIVE', 'CLOSED'] as const;
export type ParcoursStage = (typeof PARCOURS_STAGES)[number];

/** Reasons a case closes (exactly one per closed case). */
export const CLOSURE_REASONS = [
  'OBJECTIVES_MET',
  'HANDED_OVER',
  'CONSENT_WITHDRAWN',
  'NO_CONSENT',
  'LOST_CONTACT',
  'MOVED_OUT',
  'AGE_LIMIT',
  'MAX_DURATION',
  'REDIRECTED',
  'INELIGIBLE',
  'REFUSED',
  'OTHER',
] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

/** QPV codes of a child's residence; OTHER = outside any priority neighbourhood. The eligible list is configuration. */
export const QPV_CODES = ['FONTAINE_D_OUCHE', 'GRESILLES', 'OTHER'] as const;
export type QpvCode = (typeof QPV_CODES)[number];
/** French label of each QPV code. */
export const QPV_LABELS: Record<QpvCode, string> = { FONTAINE_D_OUCHE: "Fontaine d'Ouche", GRESILLES: 'Grésilles', OTHER: 'hors QPV' };

export const SEXES = ['F', 'M'] as const;
export type Sex = (typeof SEXES)[number];

export const ORIENTEUR_TYPES = ['SCHOOL', 'PMI', 'SOCIAL_SERVICES', 'HEALTH', 'ASSOCIATION', 'FAMILY', 'OTHER'] as const;
export type OrienteurType = (typeof ORIENTEUR_TYPES)[number];
/** "orienté par …" label of each orienteur type. */
export const ORIENTEUR_LABELS: Record<OrienteurType, string> = {
  SCHOOL: "l'école",
  PMI: 'la PMI',
  SOCIAL_SERVICES: 'les services sociaux',
  HEALTH: 'un service de santé',
  ASSOCIATION: 'une association',
  FAMILY: 'la famille',
  OTHER: 'un autre partenaire',
};

export const REFERRAL_REASONS = [
  'SCHOOL_RESULTS',
  'BEHAVIOUR',
  'PHYSICAL_HEALTH',
  'MENTAL_HEALTH',
  'LANGUAGE',
  'PARENTING',
  'SOCIAL_ISOLATION',
  'ACCESS_TO_RIGHTS',
  'LEISURE',
] as const;
export type ReferralReason = (typeof REFERRAL_REASONS)[number];

export const GUARDIAN_RELATIONSHIPS = ['MOTHER', 'FATHER', 'LEGAL_GUARDIAN', 'OTHER'] as const;
export type GuardianRelationship = (typeof GUARDIAN_RELATIONSHIPS)[number];

export const PRIORITY_EDUCATION = ['REP', 'REP+', 'NONE'] as const;
export type PriorityEducation = (typeof PRIORITY_EDUCATION)[number];

export const CONSENT_DECISIONS = ['GRANTED', 'REFUSED'] as const;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];

export const TEAM_DECISIONS = ['VALIDATED', 'MORE_INFO', 'REDIRECTED', 'REFUSED'] as const;
export type TeamDecision = (typeof TEAM_DECISIONS)[number];

export const ACTION_TYPES = [
  'SCHOOL_SUPPORT',
  'PSYCHOLOGICAL_SUPPORT',
  'PARENTING_SUPPORT',
  'HEALTH_ACCESS',
  'LEISURE',
  'SPORT',
  'CULTURE',
  'HOLIDAYS',
  'LANGUAGE',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const ACTION_FREQUENCIES = ['ONCE', 'DAILY', 'WEEKLY', 'TWICE_WEEKLY', 'FORTNIGHTLY', 'MONTHLY'] as const;
export type ActionFrequency = (typeof ACTION_FREQUENCIES)[number];

/** SCHEDULED until marked DONE or CANCELLED; STOPPED when consent is withdrawn. */
export const ACTION_STATUSES = ['SCHEDULED', 'DONE', 'CANCELLED', 'STOPPED'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
/** Statuses a PATCH may set. */
export const ACTION_PATCH_STATUSES = ['DONE', 'CANCELLED'] as const;

export const PROGRESS_LEVELS = ['NONE', 'PARTIAL', 'ACHIEVED'] as const;
export type ProgressLevel = (typeof PROGRESS_LEVELS)[number];

export const REASSESSMENT_DECISIONS = ['CONTINUE', 'ADJUST', 'PROPOSE_CLOSURE'] as const;
export type ReassessmentDecision = (typeof REASSESSMENT_DECISIONS)[number];

/** Renewal lengths the EPS may grant. */
export const RENEWAL_MONTHS = [6, 12] as const;
export type RenewalMonths = (typeof RENEWAL_MONTHS)[number];

export const SUSPENSION_REASONS = ['HOSPITALISATION', 'FAMILY_UNREACHABLE', 'SUMMER', 'OTHER'] as const;
export type SuspensionReason = (typeof SUSPENSION_REASONS)[number];

export const LIFE_EVENT_TYPES = ['CONSENT_WITHDRAWN', 'MOVED_OUT', 'FAMILY_UNREACHABLE', 'CONTACT_RESTORED', 'SAFEGUARDING_CONCERN'] as const;
export type LifeEventType = (typeof LIFE_EVENT_TYPES)[number];

export const DEROGATION_KINDS = ['ELIGIBILITY', 'AGE', 'DURATION'] as const;
export type DerogationKind = (typeof DEROGATION_KINDS)[number];

/** Kinds of deadlines a case shows (`deadlines[].kind`, PreNextDeadlineKind). */
export const DEADLINE_KINDS = [
  'CONSENT_EXPIRY',
  'TEAM_REVIEW',
  'ACTION_START',
  'ACTION_END',
  'REASSESSMENT',
  'RENEWAL',
  'MAX_DURATION',
  'AGE_LIMIT',
  'LOST_CONTACT',
  'CONSENT_WITHDRAWN_CLOSURE',
  'MOVED_OUT_CLOSURE',
] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

/** Kinds of notifications the workflow records (NotificationRequest.kind). */
export const PARCOURS_NOTIFICATION_KINDS = [
  'REFERRAL_ACK',
  'INELIGIBLE_NOTICE',
  'CONSENT_REMINDER',
  'REVIEW_ESCALATION',
  'ACTION_START_REMINDER',
  'ACTION_END_REMINDER',
  'ACTION_STOPPED',
  'REASSESSMENT_REMINDER',
  'REASSESSMENT_ESCALATION',
  'RENEWAL_DUE',
  'AGE_WARNING',
  'SAFEGUARDING_ESCALATION',
  'CASE_CLOSED',
] as const;
export type ParcoursNotificationKind = (typeof PARCOURS_NOTIFICATION_KINDS)[number];

// ---------------------------------------------------------------------------------------------------------
// Settings (mirror src/config/parcours.env.ts)
// ---------------------------------------------------------------------------------------------------------

/** Every duration of DOMAIN.md §1, passed as workflow input (the API builds it from configuration). */
export interface ParcoursSettings {
  /** Consent reminder this many days after the referral (default 15). */
  consentReminderDays: number;
  /** Closed NO_CONSENT this many days after the referral without agreement (default 60). */
  consentExpiryDays: number;
  /** Escalation when not reviewed this many days after consent (default 45). */
  reviewEscalationDays: number;
  /** At most this many MORE_INFO decisions; then the coordinator must decide (default 2). */
  maxMoreInfo: number;
  /** Initial length when the EPS gives none (default 12 months). */
  defaultDurationMonths: number;
  /** Total length beyond which a duration derogation is needed (default 24 months). */
  maxTotalMonths: number;
  /** Reassessment period (default 3 months). */
  reassessmentMonths: number;
  /** Reminder this many days before a reassessment is due (default 14). */
  reassessmentReminderDays: number;
  /** Escalation this many days after a reassessment was due (default 30). */
  reassessmentEscalationDays: number;
  /** Family unreachable this many days → closed LOST_CONTACT (default 90). */
  unreachableCloseDays: number;
  /** Consent withdrawn → closed CONSENT_WITHDRAWN after this many days (default 15). */
  consentWithdrawnCloseDays: number;
  /** Age-limit warning this many months before the 17th birthday (default 3). */
  ageWarningMonths: number;
  /** Recipient of escalations: a staff id or `role:coordinator` (default `role:coordinator`). */
  coordinatorId: string;
  /** Eligible QPV codes (the activity prefers the worker's configured list when it has one). */
  eligibleQpvs: string[];
  /** Version tag of the eligibility rule and QPV list. */
  eligibilityRuleVersion: string;
  /**
   * Months a closed case's personal data are kept after the last contact, then purged (DOMAIN.md §5; default 24).
   * Absent on cases started before the retention rule: the default applies.
   */
  retentionMonths?: number;
  /**
   * Tests only: continue-as-new after this many applied updates (0 = only when Temporal suggests it or after a
   * reassessment cycle).
   */
  continueAsNewAfterUpdates?: number;
  /** Tests only: false on a server without the custom search attributes (the time-skipping server). Default true. */
  searchAttributes?: boolean;
}

/** The defaults of DOMAIN.md §1. */
export const DEFAULT_PARCOURS_SETTINGS: ParcoursSettings = {
  consentReminderDays: 15,
  consentExpiryDays: 60,
  reviewEscalationDays: 45,
  maxMoreInfo: 2,
  defaultDurationMonths: 12,
  maxTotalMonths: 24,
  reassessmentMonths: 3,
  reassessmentReminderDays: 14,
  reassessmentEscalationDays: 30,
  unreachableCloseDays: 90,
  consentWithdrawnCloseDays: 15,
  ageWarningMonths: 3,
  coordinatorId: 'role:coordinator',
  eligibleQpvs: ['FONTAINE_D_OUCHE', 'GRESILLES'],
  eligibilityRuleVersion: 'qpv-2024-dijon-v1',
  retentionMonths: 24,
};

/** Months a closed case's personal data are kept after the last contact when the settings say nothing. */
export const DEFAULT_RETENTION_MONTHS = 24;

// ---------------------------------------------------------------------------------------------------------
// Referral and workflow input
// ---------------------------------------------------------------------------------------------------------

/** Who did something: JWT `sub` and the role they acted in (`system` for timers). */
export interface Actor {
  sub: string;
  role: string;
}

/** The actor of timer-driven changes. */
export const SYSTEM_ACTOR: Actor = { sub: 'system', role: 'system' };

export interface AddressInput {
  line1: string;
  line2?: string;
  postcode: string;
  city: string;
}

export interface SchoolInput {
  name: string;
  /** e.g. PS, MS, GS, CP, CE1, CE2, CM1, CM2, 6e … 3e. */
  level: string;
  priorityEducation?: PriorityEducation;
}

export interface ChildInput {
  firstName: string;
  lastName: string;
  birthDate: IsoDate;
  sex: Sex;
  address: AddressInput;
  qpv: QpvCode;
  school?: SchoolInput;
}

export interface GuardianInput {
  firstName: string;
  lastName: string;
  relationship: GuardianRelationship;
  phone?: string;
  email?: string;
}

export interface OrienteurInput {
  type: OrienteurType;
  organisation?: string;
}

/** Body of `POST /parcours` (API.md example, as written). */
export interface ReferralInput {
  referredOn: IsoDate;
  child: ChildInput;
  guardians: GuardianInput[];
  orienteur: OrienteurInput;
  /** One or more. */
  reasons: ReferralReason[];
  context?: string;
  /**
   * Coordinator only: an eligibility override with its written motive. An ineligible referral without it is
   * closed INELIGIBLE at once (a closed case cannot be changed, so the override travels with the referral).
   */
  derogation?: { motive: string };
}

/** What the workflow carries across continue-as-new (opaque to the API; never build it outside the workflow). */
export interface ParcoursCarriedState {
  record: ParcoursRecord;
  timeline: TimelineEntry[];
  /** Most recent idempotency keys (bounded), with the first answer. */
  idempotency: IdempotencyEntry[];
  /** Keys (`<kind>:<dueOn>[:<actionId>]`) of timers already fired or skipped. */
  firedTimers: string[];
  /** Notifications decided but not yet recorded by the activity. */
  pendingNotifications: NotificationRequest[];
  /** Number of runs so far (1 for the first). */
  run: number;
}

/** One remembered idempotency key. */
export interface IdempotencyEntry {
  key: string;
  /** Wire name of the update it answered. */
  update: string;
  answer: ParcoursView;
}

/** Input of `parcoursWorkflow`. */
export interface ParcoursInput {
  dossierId: string;
  referral: ReferralInput;
  /** HMAC of the child's normalised names + birth date, computed by the API (PreChildKey). */
  childKey: string;
  settings: ParcoursSettings;
  /** Who sent the referral. */
  createdBy: Actor;
  /** ISO instant the API received the referral. */
  createdAt: string;
  /** Initial référent; default: the creator when they are a référent. */
  referentId?: string;
  /** Set by the workflow itself on continue-as-new. */
  carried?: ParcoursCarriedState;
}

// ---------------------------------------------------------------------------------------------------------
// Update inputs (API.md example bodies + what the API stamps)
// ---------------------------------------------------------------------------------------------------------

/** Stamped by the API on every update input. */
export interface UpdateMeta {
  actor: Actor;
  /** ISO instant the API received the request. */
  at: string;
  /** The HTTP Idempotency-Key (also the Temporal update id). */
  idempotencyKey?: string;
}

/** `createReferral`: sent with update-with-start; answers once eligibility is recorded. */
export type CreateReferralInput = UpdateMeta;

/** `POST /parcours/{id}/consent`. */
export interface ConsentInput extends UpdateMeta {
  decision: ConsentDecision;
  /** Date of the signature (or of the refusal). Not before the referral. */
  signedOn: IsoDate;
  /** Holders of parental authority who signed (at least one when GRANTED). */
  signedBy?: Array<{ name: string; relationship: GuardianRelationship }>;
  /** The family was told what is shared within the EPS (must be true to record GRANTED). */
  dataSharingInformed?: boolean;
  /** Optional note (e.g. why refused). */
  note?: string;
}

/** `POST /parcours/{id}/team-reviews`. */
export interface TeamReviewInput extends UpdateMeta {
  meetingDate: IsoDate;
  decision: TeamDecision;
  /** VALIDATED: at least one. */
  objectives?: Array<{ label: string }>;
  /** VALIDATED: the référent (required unless one is already assigned). */
  referentId?: string;
  /** VALIDATED: initial length (default settings.defaultDurationMonths). */
  durationMonths?: number;
  /** REDIRECTED: the common-law service. */
  redirectedTo?: string;
  /** REFUSED: the motive (required). MORE_INFO: what is asked (optional). */
  motive?: string;
}

/** `POST /parcours/{id}/actions`. */
export interface ActionInput extends UpdateMeta {
  type: ActionType;
  provider: string;
  startsOn: IsoDate;
  /** An end date or a number of sessions (at least one). */
  endsOn?: IsoDate;
  sessions?: number;
  frequency?: ActionFrequency;
  /** Objectives this action serves (ids from `objectives`). */
  objectiveIds?: string[];
  note?: string;
}

/** `PATCH /parcours/{id}/actions/{actionId}`: a status change, or changed dates/provider. */
export interface ActionPatchInput extends UpdateMeta {
  actionId: string;
  status?: 'DONE' | 'CANCELLED';
  /** CANCELLED: required. */
  motive?: string;
  provider?: string;
  startsOn?: IsoDate;
  endsOn?: IsoDate;
  sessions?: number;
  frequency?: ActionFrequency;
  note?: string;
}

/** `POST /parcours/{id}/reassessments`. */
export interface ReassessmentInput extends UpdateMeta {
  assessedOn: IsoDate;
  progress: Array<{ objectiveId: string; level: ProgressLevel; note?: string }>;
  decision: ReassessmentDecision;
  /** ADJUST: new objectives may be added. */
  newObjectives?: Array<{ label: string }>;
  note?: string;
}

/** `POST /parcours/{id}/renewals`. */
export interface RenewalInput extends UpdateMeta {
  /** EPS meeting that decided the renewal. */
  meetingDate: IsoDate;
  extensionMonths: RenewalMonths;
  note?: string;
}

/** `POST /parcours/{id}/suspension`. */
export interface SuspensionInput extends UpdateMeta {
  reason: SuspensionReason;
  startsOn: IsoDate;
  expectedEndOn?: IsoDate;
  note?: string;
}

/** `POST /parcours/{id}/resumption`. */
export interface ResumptionInput extends UpdateMeta {
  resumedOn: IsoDate;
  note?: string;
}

/** `POST /parcours/{id}/events`. */
export interface LifeEventInput extends UpdateMeta {
  type: LifeEventType;
  occurredOn: IsoDate;
  /** MOVED_OUT: true when the family leaves the city (closes at once), else closes on 31 August. */
  leftCity?: boolean;
  /** SAFEGUARDING_CONCERN: date of the child-protection report to the département, when made. */
  reportedOn?: IsoDate;
  note?: string;
}

/** `POST /parcours/{id}/derogations`. */
export interface DerogationInput extends UpdateMeta {
  kind: DerogationKind;
  /** Required, written. */
  motive: string;
  decidedOn: IsoDate;
  /** AGE: the case may run until this date (default and maximum: the 18th birthday). */
  untilOn?: IsoDate;
  /** DURATION: the new maximum total length in months (default: unlimited). */
  maxTotalMonths?: number;
}

/** `POST /parcours/{id}/closure`. */
export interface ClosureInput extends UpdateMeta {
  reason: ClosureReason;
  closedOn: IsoDate;
  summary: string;
  /** HANDED_OVER: required; the common-law service. */
  handedOverTo?: string;
  /** OTHER: required. */
  motive?: string;
}

/** `PUT /parcours/{id}/referent`. */
export interface ReferentAssignmentInput extends UpdateMeta {
  referentId: string;
}

// ---------------------------------------------------------------------------------------------------------
// The case record and its view
// ---------------------------------------------------------------------------------------------------------

/** Recorded with every staff change. */
export interface Recorded {
  by: Actor;
  /** ISO instant. */
  at: string;
}

export interface EligibilityRecord extends EligibilityOutcome {
  /** ISO instant of the check. */
  checkedAt: string;
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

/** A deadline of the case, as shown in `deadlines`. */
export interface DeadlineView {
  kind: DeadlineKind;
  dueOn: IsoDate;
  /** Passed without the expected action (staff deadlines only; closures are never overdue). */
  overdue: boolean;
  /** French, without personal data, e.g. "Réévaluation à faire". */
  label: string;
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
  timeline: { count: number; last: TimelineEntry[] };
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

/**
 * Input of the last run of a purged case (the "tombstone"): the case continues-as-new into it when its retention
 * ends, so the current run's history starts without any personal data; the anonymised figures ride along for the
 * yearly indicators (and in the memo, as for every case).
 */
export interface PurgedCaseInput {
  dossierId: string;
  purged: PurgedCaseRecord;
  figures: CaseFigures;
  /** False on a server without the custom search attributes (the time-skipping server). */
  searchAttributes: boolean;
}

/** `getState` on a purged case: the API answers 410 Gone with it. */
export interface PurgedCaseView {
  dossierId: string;
  workflowId: string;
  purged: PurgedCaseRecord;
}

export function isPurgedView(v: ParcoursView | PurgedCaseView): v is PurgedCaseView {
  return (v as PurgedCaseView).purged !== undefined;
}

export function isPurgedInput(i: ParcoursInput | PurgedCaseInput): i is PurgedCaseInput {
  return (i as PurgedCaseInput).purged !== undefined;
}

/** The retention schedule confirms a purged case's earlier runs are deleted (the tombstone marks itself ERASED). */
export const confirmErasureSignal = defineSignal<[ErasureConfirmation]>('confirmErasure');

// ---------------------------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------------------------

export const TIMELINE_TYPES = [
  'REFERRAL_RECEIVED',
  'ELIGIBILITY_CHECKED',
  'CONSENT_RECORDED',
  'TEAM_REVIEW_RECORDED',
  'ACTION_SCHEDULED',
  'ACTION_CHANGED',
  'REASSESSMENT_RECORDED',
  'RENEWED',
  'SUSPENDED',
  'RESUMED',
  'LIFE_EVENT_RECORDED',
  'DEROGATION_RECORDED',
  'REFERENT_ASSIGNED',
  'REMINDER_SENT',
  'ESCALATION_SENT',
  'REMINDERS_SKIPPED',
  'CLOSED',
] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

/** One recorded change: who, when, what (the summary has no personal data). */
export interface TimelineEntry {
  /** 1, 2, 3 … across continue-as-new. */
  seq: number;
  /** ISO instant the workflow recorded it (the order of the event history). */
  at: string;
  /** ISO instant of the HTTP request (`UpdateMeta.at`), for staff changes. */
  requestedAt?: string;
  actor: Actor;
  type: TimelineType;
  /** French, without personal data, e.g. "Consentement recueilli (signé le 2026-11-25)". */
  summary: string;
  /** Stage after the change. */
  stage: ParcoursStage;
  /** The business date the entry is about, when there is one. */
  onDate?: IsoDate;
  idempotencyKey?: string;
}

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

// ---------------------------------------------------------------------------------------------------------
// Messages (wire names are persisted: never rename)
// ---------------------------------------------------------------------------------------------------------

/** Update-with-start companion of `POST /parcours`: answers the first state once eligibility is recorded. */
export const createReferralUpdate = defineUpdate<ParcoursView, [CreateReferralInput], 'createReferral'>('createReferral');
/** Family agreement or refusal (AWAITING_CONSENT). */
export const recordConsentUpdate = defineUpdate<ParcoursView, [ConsentInput], 'recordConsent'>('recordConsent');
/** EPS decision (AWAITING_TEAM_REVIEW). */
export const recordTeamReviewUpdate = defineUpdate<ParcoursView, [TeamReviewInput], 'recordTeamReview'>('recordTeamReview');
/** Schedules an action (ACTIVE); the new action is the last of `actions`. */
export const scheduleActionUpdate = defineUpdate<ParcoursView, [ActionInput], 'scheduleAction'>('scheduleAction');
/** Changes, completes or cancels an action (ACTIVE). */
export const changeActionUpdate = defineUpdate<ParcoursView, [ActionPatchInput], 'changeAction'>('changeAction');
/** A periodic reassessment (ACTIVE); the workflow continues-as-new after it. */
export const recordReassessmentUpdate = defineUpdate<ParcoursView, [ReassessmentInput], 'recordReassessment'>('recordReassessment');
/** EPS renewal +6 or +12 months (ACTIVE). */
export const renewParcoursUpdate = defineUpdate<ParcoursView, [RenewalInput], 'renewParcours'>('renewParcours');
/** Pauses reminders (ACTIVE). */
export const suspendParcoursUpdate = defineUpdate<ParcoursView, [SuspensionInput], 'suspendParcours'>('suspendParcours');
/** Resumes a suspended case (ACTIVE, suspended). */
export const resumeParcoursUpdate = defineUpdate<ParcoursView, [ResumptionInput], 'resumeParcours'>('resumeParcours');
/** A life event: consent withdrawn, moved out, family unreachable, contact restored, safeguarding concern. */
export const recordLifeEventUpdate = defineUpdate<ParcoursView, [LifeEventInput], 'recordLifeEvent'>('recordLifeEvent');
/** A coordinator override with a motive (age, duration; eligibility travels with the referral). */
export const recordDerogationUpdate = defineUpdate<ParcoursView, [DerogationInput], 'recordDerogation'>('recordDerogation');
/** Closes the case with a reason and summary; the case then keeps its data for the retention period, and purges them. */
export const closeParcoursUpdate = defineUpdate<ParcoursView, [ClosureInput], 'closeParcours'>('closeParcours');
/** Assigns or changes the référent (any open stage). */
export const assignReferentUpdate = defineUpdate<ParcoursView, [ReferentAssignmentInput], 'assignReferent'>('assignReferent');

/**
 * The case as it stands (also on a closed case); once its retention has ended, the `PurgedCaseView` of what
 * remains (`isPurgedView`).
 */
export const getStateQuery = defineQuery<ParcoursView | PurgedCaseView, [], 'getState'>('getState');
/**
 * The closing summary (anonymised figures) once the case is closed and its last notifications recorded; null while
 * open, and once purged (its figures stay in the memo).
 */
export const getClosingSummaryQuery = defineQuery<ParcoursClosingSummary | null, [], 'getClosingSummary'>('getClosingSummary');
/** Every recorded change with actor and time, oldest first. */
export const getTimelineQuery = defineQuery<TimelineEntry[], [], 'getTimeline'>('getTimeline');
/**
 * The first answer given to an Idempotency-Key (null when the case does not remember it): lets the API replay a
 * retried request on a closed case, whose workflow has completed and takes no update any more.
 */
export const getAnswerQuery = defineQuery<ParcoursView | null, [string], 'getAnswer'>('getAnswer');

/** Wire names of every update, for the API's routing and the validator's messages. */
export const PARCOURS_UPDATE_NAMES = [
  'createReferral',
  'recordConsent',
  'recordTeamReview',
  'scheduleAction',
  'changeAction',
  'recordReassessment',
  'renewParcours',
  'suspendParcours',
  'resumeParcours',
  'recordLifeEvent',
  'recordDerogation',
  'closeParcours',
  'assignReferent',
] as const;
export type ParcoursUpdateName = (typeof PARCOURS_UPDATE_NAMES)[number];

// ---------------------------------------------------------------------------------------------------------
// Helpers for the API (pure)
// ---------------------------------------------------------------------------------------------------------

/** Age band of the child on the referral date. */
export function ageBandForReferral(referral: Pick<ReferralInput, 'referredOn' | 'child'>): AgeBand {
  return ageBandOf(ageOn(referral.child.birthDate, referral.referredOn));
}

/** The Temporal UI's static summary, no personal data: `Parcours PRE · Grésilles · 6–10 ans · orienté par l'école`. */
export function staticSummaryFor(referral: Pick<ReferralInput, 'referredOn' | 'child' | 'orienteur'>): string {
  const qpv = QPV_LABELS[referral.child.qpv] ?? referral.child.qpv;
  const orienteur = ORIENTEUR_LABELS[referral.orienteur.type] ?? referral.orienteur.type;
  return `Parcours PRE · ${qpv} · ${ageBandLabel(ageBandForReferral(referral))} · orienté par ${orienteur}`;
}

/** Midnight UTC of a date, the form PreReferredOn / PreNextDeadline take. */
export function searchAttributeDate(date: IsoDate): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/**
 * The search attributes to start a case with (`typedSearchAttributes` of the start options). The workflow
 * upserts them all again at each transition; the duplicate check queries `PreChildKey = '<key>' AND PreStage != 'CLOSED'`.
 */
export function initialSearchAttributes(input: Pick<ParcoursInput, 'referral' | 'childKey' | 'referentId' | 'createdBy' | 'settings'>): SearchAttributePair[] {
  const referentId = input.referentId ?? (input.createdBy.role === 'referent' ? input.createdBy.sub : undefined);
  const pairs: SearchAttributePair[] = [
    { key: PRE_STAGE, value: 'REFERRED' },
    { key: PRE_QPV, value: input.referral.child.qpv },
    { key: PRE_AGE_BAND, value: ageBandForReferral(input.referral) },
    { key: PRE_CHILD_KEY, value: input.childKey },
    { key: PRE_REFERRED_ON, value: searchAttributeDate(input.referral.referredOn) },
    { key: PRE_OVERDUE, value: false },
    { key: PRE_NEXT_DEADLINE_KIND, value: 'CONSENT_EXPIRY' },
    { key: PRE_NEXT_DEADLINE, value: searchAttributeDate(addDays(input.referral.referredOn, input.settings.consentExpiryDays)) },
  ];
  if (referentId) pairs.push({ key: PRE_REFERENT_ID, value: referentId });
  return pairs;
}

/** The settings from the parcours env section (field names of src/config/parcours.env.ts). */
export function parcoursSettingsFrom(env: {
  PRE_ELIGIBLE_QPVS: string;
  PRE_ELIGIBILITY_RULE_VERSION: string;
  PRE_CONSENT_REMINDER_DAYS: number;
  PRE_CONSENT_EXPIRY_DAYS: number;
  PRE_REVIEW_ESCALATION_DAYS: number;
  PRE_MAX_MORE_INFO: number;
  PRE_DEFAULT_DURATION_MONTHS: number;
  PRE_MAX_TOTAL_MONTHS: number;
  PRE_REASSESSMENT_MONTHS: number;
  PRE_REASSESSMENT_REMINDER_DAYS: number;
  PRE_REASSESSMENT_ESCALATION_DAYS: number;
  PRE_UNREACHABLE_CLOSE_DAYS: number;
  PRE_CONSENT_WITHDRAWN_CLOSE_DAYS: number;
  PRE_AGE_WARNING_MONTHS: number;
  PRE_RETENTION_MONTHS: number;
}): ParcoursSettings {
  return {
    consentReminderDays: env.PRE_CONSENT_REMINDER_DAYS,
    consentExpiryDays: env.PRE_CONSENT_EXPIRY_DAYS,
    reviewEscalationDays: env.PRE_REVIEW_ESCALATION_DAYS,
    maxMoreInfo: env.PRE_MAX_MORE_INFO,
    defaultDurationMonths: env.PRE_DEFAULT_DURATION_MONTHS,
    maxTotalMonths: env.PRE_MAX_TOTAL_MONTHS,
    reassessmentMonths: env.PRE_REASSESSMENT_MONTHS,
    reassessmentReminderDays: env.PRE_REASSESSMENT_REMINDER_DAYS,
    reassessmentEscalationDays: env.PRE_REASSESSMENT_ESCALATION_DAYS,
    unreachableCloseDays: env.PRE_UNREACHABLE_CLOSE_DAYS,
    consentWithdrawnCloseDays: env.PRE_CONSENT_WITHDRAWN_CLOSE_DAYS,
    ageWarningMonths: env.PRE_AGE_WARNING_MONTHS,
    coordinatorId: 'role:coordinator',
    eligibleQpvs: env.PRE_ELIGIBLE_QPVS.split(',').filter(Boolean),
    eligibilityRuleVersion: env.PRE_ELIGIBILITY_RULE_VERSION,
    retentionMonths: env.PRE_RETENTION_MONTHS,
  };
}
