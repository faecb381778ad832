/**
 * The French words of a parcours, in one place: what the timeline, the notifications, the Temporal UI, the 409
 * sentences and the yearly report (src/reports) call each code. Fixed phrases without personal data.
 */
import type { AgeBand } from './parcours.rules';
import type { ActionType, ClosureReason, DeadlineKind, OrienteurType, ParcoursNotificationKind, ParcoursStage, ParcoursUpdateName, QpvCode } from './parcours.codes';

/** Each QPV code. */
export const QPV_LABELS: Record<QpvCode, string> = { FONTAINE_D_OUCHE: "Fontaine d'Ouche", GRESILLES: 'Grésilles', OTHER: 'hors QPV' };

/** "orienté par …" of each orienteur type. */
export const ORIENTEUR_LABELS: Record<OrienteurType, string> = {
  SCHOOL: "l'école",
  PMI: 'la PMI',
  SOCIAL_SERVICES: 'les services sociaux',
  HEALTH: 'un service de santé',
  ASSOCIATION: 'une association',
  FAMILY: 'la famille',
  OTHER: 'un autre partenaire',
};

/** An age band for people: `6–10 ans`. */
export function ageBandLabel(band: AgeBand): string {
  return band === '17+' ? '17 ans et plus' : `${band.replace('-', '–')} ans`;
}

/** Each stage, as the Temporal UI's current details show it. */
export const STAGE_LABELS: Record<ParcoursStage, string> = {
  REFERRED: 'Orientation reçue (éligibilité en cours)',
  AWAITING_CONSENT: 'En attente du consentement',
  AWAITING_TEAM_REVIEW: "En attente de l'EPS",
  ACTIVE: 'Parcours actif',
  CLOSED: 'Clos',
};

/**
 * Each closure reason, in the two sentences that name it: `closed` ends "Dossier clos : …" (timeline, notices,
 * current details), `exit` ends "Sorties : …" (the yearly report's figures).
 */
export const CLOSURE_LABELS: Record<ClosureReason, { closed: string; exit: string }> = {
  OBJECTIVES_MET: { closed: 'objectifs atteints', exit: 'objectifs atteints' },
  HANDED_OVER: { closed: 'relais vers le droit commun', exit: 'relais vers le droit commun' },
  CONSENT_WITHDRAWN: { closed: 'retrait du consentement', exit: 'retrait du consentement' },
  NO_CONSENT: { closed: 'sans consentement', exit: 'sans consentement' },
  LOST_CONTACT: { closed: 'perte de contact', exit: 'perte de contact' },
  MOVED_OUT: { closed: 'déménagement', exit: 'déménagement' },
  AGE_LIMIT: { closed: "limite d'âge", exit: "limite d'âge" },
  MAX_DURATION: { closed: 'durée maximale atteinte', exit: 'durée maximale atteinte' },
  REDIRECTED: { closed: 'réorienté', exit: 'réorientation' },
  INELIGIBLE: { closed: 'non éligible', exit: 'non-éligibilité' },
  REFUSED: { closed: "refusé par l'EPS", exit: "refus de l'EPS" },
  OTHER: { closed: 'autre motif', exit: 'autre motif' },
};

/** Each action type (the yearly report's "Actions : …"). */
export const ACTION_TYPE_LABELS: Record<ActionType, string> = {
  SCHOOL_SUPPORT: 'soutien scolaire',
  PSYCHOLOGICAL_SUPPORT: 'soutien psychologique',
  PARENTING_SUPPORT: 'soutien à la parentalité',
  HEALTH_ACCESS: 'accès aux soins',
  LEISURE: 'loisirs',
  SPORT: 'sport',
  CULTURE: 'culture',
  HOLIDAYS: 'vacances',
  LANGUAGE: 'langue',
};

/** Each deadline kind (`deadlines[].label`). */
export const DEADLINE_LABELS: Record<DeadlineKind, string> = {
  CONSENT_EXPIRY: 'Clôture sans consentement',
  TEAM_REVIEW: 'Examen en EPS à faire',
  ACTION_START: "Début d'une action",
  ACTION_END: "Fin d'une action (à marquer réalisée)",
  REASSESSMENT: 'Réévaluation à faire',
  RENEWAL: 'Renouvellement ou clôture à décider',
  MAX_DURATION: 'Durée maximale du parcours',
  AGE_LIMIT: "Limite d'âge (17 ans)",
  LOST_CONTACT: 'Clôture pour perte de contact',
  CONSENT_WITHDRAWN_CLOSURE: 'Clôture après retrait du consentement',
  MOVED_OUT_CLOSURE: 'Clôture pour déménagement',
};

/** Short English names of what each update does, for the `accepts` list and the 409 sentences. */
export const UPDATE_LABELS: Record<ParcoursUpdateName, string> = {
  createReferral: 'referral',
  recordConsent: 'consent',
  recordTeamReview: 'team review',
  scheduleAction: 'actions',
  changeAction: 'action changes',
  recordReassessment: 'reassessments',
  renewParcours: 'renewals',
  suspendParcours: 'suspension',
  resumeParcours: 'resumption',
  recordLifeEvent: 'events',
  recordSafeguardingReport: 'safeguarding report',
  recordDerogation: 'derogations',
  assignReferent: 'referent',
  closeParcours: 'closure',
  rectifyParcours: 'rectification',
  recordDataExport: 'data export',
};

/** Each notification, as its activity's summary in the Temporal UI. */
export const NOTIFICATION_SUMMARIES: Record<ParcoursNotificationKind, string> = {
  REFERRAL_ACK: "Accusé de réception de l'orientation",
  INELIGIBLE_NOTICE: 'Avis de non-éligibilité',
  CONSENT_REMINDER: 'Relance consentement',
  REVIEW_ESCALATION: 'Escalade examen EPS',
  ACTION_START_REMINDER: "Rappel début d'action J-1",
  ACTION_END_REMINDER: 'Relance action échue',
  ACTION_STOPPED: 'Arrêt des actions (retrait du consentement)',
  REASSESSMENT_REMINDER: 'Rappel réévaluation',
  REASSESSMENT_ESCALATION: 'Escalade réévaluation',
  RENEWAL_DUE: 'Renouvellement à décider',
  RENEWAL_REMINDER: 'Rappel fin de durée accordée',
  RENEWAL_ESCALATION: 'Escalade renouvellement non décidé',
  ELIGIBILITY_RECHECK: "Éligibilité à revoir après rectification",
  AGE_WARNING: "Alerte limite d'âge",
  SAFEGUARDING_ESCALATION: "Escalade protection de l'enfance",
  CASE_CLOSED: 'Avis de clôture automatique',
};
