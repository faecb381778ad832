/**
 * What the API sends a parcours (DOMAIN.md §1): the settings, the referral that starts a case, and the body of each
 * staff update with what the API stamps on it. Part of the contract (parcours.contract.ts).
 */
import type { UpdateMeta } from '../shared/messages';
import { DEFAULT_TIMER_LOCAL_HOUR, type IsoDate } from '../shared/calendar';
import type {
  ActionFrequency,
  ActionType,
  ClosureReason,
  ConsentDecision,
  DerogationKind,
  GuardianRelationship,
  LifeEventType,
  OrienteurType,
  PriorityEducation,
  ProgressLevel,
  QpvCode,
  ReassessmentDecision,
  ReferralReason,
  RenewalMonths,
  Sex,
  SuspensionReason,
  TeamDecision,
} from './parcours.codes';

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
   * Months the personal data of a referral that never became a parcours (closed before any EPS validation: ineligible,
   * no consent, refused, redirected, …) are kept after the last contact; never more than `retentionMonths`
   * (DOMAIN.md §5; default 6). Absent on cases started before the rule: the default applies.
   */
  notFollowedRetentionMonths?: number;
  /** Reminder this many days before the end of the granted length (default 30). Absent on older cases: the default. */
  renewalReminderDays?: number;
  /** Escalation this many days after the end of the granted length without renewal or closure (default 15). */
  renewalEscalationDays?: number;
  /**
   * Hour, in Paris, at which the case's timers fire (`PRE_TIMER_LOCAL_HOUR`, default 8: 08:00 winter and summer
   * alike). Absent on cases started before the setting: they keep 06:00 UTC (`timerHourOf`), so their histories replay.
   */
  timerLocalHour?: number;
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
  notFollowedRetentionMonths: 6,
  renewalReminderDays: 30,
  renewalEscalationDays: 15,
  timerLocalHour: DEFAULT_TIMER_LOCAL_HOUR,
};

/** Months a closed case's personal data are kept after the last contact when the settings say nothing. */
export const DEFAULT_RETENTION_MONTHS = 24;
/** Months a referral that never became a parcours keeps its personal data when the settings say nothing. */
export const DEFAULT_NOT_FOLLOWED_RETENTION_MONTHS = 6;
/** Days before the end of the granted length its reminder goes, when the settings say nothing. */
export const DEFAULT_RENEWAL_REMINDER_DAYS = 30;
/** Days after the end of the granted length its escalation goes, when the settings say nothing. */
export const DEFAULT_RENEWAL_ESCALATION_DAYS = 15;

// ---------------------------------------------------------------------------------------------------------
// Referral and workflow input
// ---------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------
// Update inputs (API.md example bodies + what the API stamps)
// ---------------------------------------------------------------------------------------------------------

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
  /** The recorded EPS meeting (`EPS-<date>`, `POST /team-meetings`) the decision was taken at; the API checks it. */
  meetingId?: string;
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

/**
 * `POST /parcours/{id}/safeguarding-reports`: the date the concern already recorded (its SAFEGUARDING_CONCERN event)
 * was reported to the département, added to that concern — no second concern, no second escalation.
 */
export interface SafeguardingReportInput extends UpdateMeta {
  /** The date of the concern (`occurredOn` of its SAFEGUARDING_CONCERN event). */
  concernOn: IsoDate;
  /** The date of the child-protection report (information préoccupante) to the département. */
  reportedOn: IsoDate;
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

/** `child` of a rectification: only the fields given change (an address or school given is merged field by field). */
export interface ChildRectification {
  firstName?: string;
  lastName?: string;
  birthDate?: IsoDate;
  sex?: Sex;
  /** The fields given replace those of the address; `line2: null` removes the second line. */
  address?: { line1?: string; line2?: string | null; postcode?: string; city?: string };
  qpv?: QpvCode;
  /** The fields given replace those of the school (a child without a school needs its name and level). */
  school?: { name?: string; level?: string; priorityEducation?: PriorityEducation };
}

/** `POST /parcours/{id}/rectifications` (GDPR art. 16): a partial correction of the child's and family's data. */
export interface RectificationInput extends UpdateMeta {
  child?: ChildRectification;
  /** The family contacts as they now are: the whole list (one to six) replaces the recorded one. */
  guardians?: GuardianInput[];
  /** Why the data change: required, except for a change of the school level alone (each September). */
  motive?: string;
  /** Stamped by the API when a name or the birth date changes: the child's new identity fingerprint (PreChildKey). */
  childKey?: string;
}

/** `GET /parcours/{id}/export` (GDPR art. 15): the export is recorded in the case before it is answered. */
export type DataExportInput = UpdateMeta;
