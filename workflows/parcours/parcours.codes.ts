/**
 * The codes of a parcours (DOMAIN.md §1): stages, closure reasons, QPVs, referral reasons, decisions, action types and
 * statuses, life events, derogations, deadline and notification kinds. Values the API validates input against and
 * the workflow records; their French labels are in parcours.labels.ts. Part of the contract (parcours.contract.ts).
 */

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

export const SEXES = ['F', 'M'] as const;
export type Sex = (typeof SEXES)[number];

export const ORIENTEUR_TYPES = ['SCHOOL', 'PMI', 'SOCIAL_SERVICES', 'HEALTH', 'ASSOCIATION', 'FAMILY', 'OTHER'] as const;
export type OrienteurType = (typeof ORIENTEUR_TYPES)[number];

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
/** The relationships that hold parental authority: a consent GRANTED needs one of them among its signatories. */
export const PARENTAL_AUTHORITY: readonly GuardianRelationship[] = ['MOTHER', 'FATHER', 'LEGAL_GUARDIAN'];

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
  'RENEWAL_REMINDER',
  'RENEWAL_ESCALATION',
  'ELIGIBILITY_RECHECK',
  'AGE_WARNING',
  'SAFEGUARDING_ESCALATION',
  'CASE_CLOSED',
] as const;
export type ParcoursNotificationKind = (typeof PARCOURS_NOTIFICATION_KINDS)[number];

/** Kinds of timeline entries (`TimelineEntry.type`). */
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
  'RECTIFIED',
  'DATA_EXPORTED',
] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

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
  'recordSafeguardingReport',
  'recordDerogation',
  'closeParcours',
  'assignReferent',
  'rectifyParcours',
  'recordDataExport',
] as const;
export type ParcoursUpdateName = (typeof PARCOURS_UPDATE_NAMES)[number];
