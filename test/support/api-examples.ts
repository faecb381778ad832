/**
 * The example bodies of /work/shared/API.md ("Example bodies"), written out once for every test that posts them.
 * The first part is API.md to the letter (its `"..."` placeholders included, since the API accepts them as text), its
 * case dates moved to the current week (EXAMPLES_WEEK below): change a value here only when API.md changes. The second part holds the bodies of paths API.md names without
 * writing a body out (renewal, suspension, resumption, derogation, the STATE signature) or writes only with
 * placeholders that are not valid values (the award notice): the project's own examples, shared for the same reason.
 * A test that needs another value spreads the constant and overrides the field, saying why.
 *
 * Every constant is deeply frozen: a test that changed one in place would change it for every later test of its file.
 */
import type { ConventionTerms } from '../../workflows/convention/convention.contract';
import type { DeliberationBody } from '../../workflows/convention/convention.rules';
import { addDays, daysBetween, parisDateOf } from '../../workflows/shared/calendar';

/**
 * The Monday of the week the case examples were written for (API.md's: a referral of 20 November 2026, its consent of
 * 25 November, its EPS of Tuesday 1 December). A case's reminders, escalations and automatic closures fire by the wall
 * clock (Temporal's server time), so the same bodies sent later would start older and older cases: from 19 January
 * 2027 a referral of 20 November 2026 is closed without consent as soon as it starts, and Lina turns 11 in March.
 * So every date of the case examples below moves by as many whole weeks as have passed since that week: in that week
 * they are API.md's to the letter; later, each keeps its distance to today within six days, and its weekday (an EPS
 * stays on a Tuesday). A test that asserts one of those dates writes it `onExampleDay('2027-01-19')`.
 * The convention examples (2024–2026) stay as written: the convention's dates are fixed by its text.
 * `PRE_TEST_EXAMPLES_WEEK` replaces that week: a week later than today moves every case date a week back, as a run
 * would see them a week late (the most a date drifts, six days, checked that way).
 */
export const EXAMPLES_WEEK = process.env.PRE_TEST_EXAMPLES_WEEK || '2026-12-07';

/** Whole weeks since EXAMPLES_WEEK (Paris days; negative before it). */
export const EXAMPLE_WEEKS_LATE = Math.floor(daysBetween(EXAMPLES_WEEK, parisDateOf(Date.now())) / 7);

/** A date of the case examples, moved to the current week (the date itself in EXAMPLES_WEEK). */
export function onExampleDay(date: string): string {
  return addDays(date, 7 * EXAMPLE_WEEKS_LATE);
}
const on = onExampleDay;

/** Freezes `body` and everything inside it, keeping its type (so it still fits the DTO and workflow input types). */
function frozen<T extends object>(body: T): T {
  for (const value of Object.values(body)) if (typeof value === 'object' && value !== null) frozen(value as object);
  Object.freeze(body);
  return body;
}

// ---------------------------------------------------------------------------------------------------------------
// API.md, exactly as written
// ---------------------------------------------------------------------------------------------------------------

/** Referral, `POST /parcours`: Lina Benali, 10, of the Grésilles, referred by her school. */
export const REFERRAL = frozen({
  referredOn: on('2026-11-20'),
  child: {
    firstName: 'Lina',
    lastName: 'Benali',
    birthDate: on('2016-03-14'),
    sex: 'F',
    address: { line1: '12 rue Jean de Cirey', postcode: '21000', city: 'Dijon' },
    qpv: 'GRESILLES',
    school: { name: 'École élémentaire Les Grésilles', level: 'CE2', priorityEducation: 'REP+' },
  },
  guardians: [{ firstName: 'Samira', lastName: 'Benali', relationship: 'MOTHER', phone: '+33612345678' }],
  orienteur: { type: 'SCHOOL', organisation: 'École élémentaire Les Grésilles' },
  reasons: ['SCHOOL_RESULTS', 'SOCIAL_ISOLATION'],
  context: 'Free text from the orienteur.',
});

/** Consent, `POST /parcours/{id}/consent`: granted by the mother on 25 November 2026. */
export const CONSENT = frozen({ decision: 'GRANTED', signedOn: on('2026-11-25'), signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' }], dataSharingInformed: true });

/** EPS meeting, `POST /team-meetings`: the EPS of Tuesday 1 December 2026, the shared-secrecy charter read out. */
export const TEAM_MEETING = frozen({
  meetingDate: on('2026-12-01'),
  attendees: [
    { staffId: 'u-coord-1', role: 'coordinator' },
    { staffId: 'u-ref-1', role: 'referent' },
  ],
  secrecyCharterRead: true,
});

/** Team review, `POST /parcours/{id}/team-reviews`: at the meeting of 1 December 2026, the EPS validates a 12-month plan with référent u-ref-1. */
export const TEAM_REVIEW = frozen({ meetingId: `EPS-${on('2026-12-01')}`, decision: 'VALIDATED', objectives: [{ label: 'Read fluently by June' }], referentId: 'u-ref-1', durationMonths: 12 });

/** Action, `POST /parcours/{id}/actions`: weekly school support from December 2026 to June 2027. */
export const ACTION = frozen({ type: 'SCHOOL_SUPPORT', provider: 'Association Lire et Faire Lire', startsOn: on('2026-12-10'), endsOn: on('2027-06-30'), frequency: 'WEEKLY' });

/** Action change, `PATCH /parcours/{id}/actions/{actionId}`: the action is done. */
export const ACTION_DONE = frozen({ status: 'DONE' });

/** Action change, `PATCH /parcours/{id}/actions/{actionId}`: the action is cancelled (API.md's placeholder motive). */
export const ACTION_CANCELLED = frozen({ status: 'CANCELLED', motive: '...' });

/** Reassessment, `POST /parcours/{id}/reassessments`: partial progress on o1, the plan continues. */
export const REASSESSMENT = frozen({ assessedOn: on('2027-03-01'), progress: [{ objectiveId: 'o1', level: 'PARTIAL', note: '...' }], decision: 'CONTINUE' });

/** Life event, `POST /parcours/{id}/events`: the family moved on 2 April 2027 but stays in the city. */
export const LIFE_EVENT = frozen({ type: 'MOVED_OUT', occurredOn: on('2027-04-02'), leftCity: false });

/** Closure, `POST /parcours/{id}/closure`: objectives met on 30 June 2027, handed over to the centre social. */
export const CLOSURE = frozen({ reason: 'OBJECTIVES_MET', closedOn: on('2027-06-30'), summary: '...', handedOverTo: 'Centre social des Grésilles' });

/** Convention, `POST /conventions`: CPO-PRE-2024-2026, 200 000 € a year in two tranches. */
export const CONVENTION = frozen({
  reference: 'CPO-PRE-2024-2026',
  subject: "Programme de réussite éducative — Convention pluriannuelle d'objectifs 2024-2026",
  parties: { state: "Préfet de la Côte-d'Or", beneficiary: 'CCAS de Dijon' },
  years: [2024, 2025, 2026],
  annualAmountCents: 20000000,
  tranches: [
    { share: 0.5, condition: 'ON_AUTHORISATION' },
    { share: 0.5, condition: 'AFTER_PREVIOUS_REPORT_ACCEPTED' },
  ],
} satisfies ConventionTerms);

/** Deliberation, `POST /conventions/{ref}/deliberations`: the seed session of the CCAS board, 3 July 2024. */
export const SEED_SESSION = frozen({
  sessionDate: '2024-07-03',
  convocationDate: '2024-06-28',
  membersInOffice: 17,
  president: 'M. HOAREAU',
  present: ['M. HOAREAU', 'Mme TENENBAUM', 'M. BERTHIER', 'Mme CHOLLET', 'Mme GINDRE', 'Mme VIAN', 'M. FOUILLOT', 'Mme JACQUENET', 'M. AVENA'],
  proxies: [
    { member: 'M. REBSAMEN', holder: 'M. HOAREAU' },
    { member: 'Mme JACQUEMARD', holder: 'Mme CHOLLET' },
    { member: 'M. FOUSSET', holder: 'M. FOUILLOT' },
    { member: 'M. JASPART', holder: 'M. AVENA' },
  ],
  excused: ['Mme AKPINAR-ISTIQUAM', 'M. MEZUI', 'Mme HERVIEU', 'Mme LECOMTE'],
  votes: { for: 13, against: 0, abstain: 0 },
  decisions: ['APPROVE_CONVENTION', 'AUTHORISE_SIGNATURE', 'AUTHORISE_RECEIPT'],
  receiptYear: 2024,
} satisfies DeliberationBody);

/** What the 201 answer to SEED_SESSION contains at least (API.md "Answer (201)"). */
export const SEED_SESSION_ANSWER = frozen({ quorum: { required: 9, present: 9, met: true }, votesCast: 13, outcome: 'ADOPTED', unanimous: true });

/** Legality, `POST /conventions/{ref}/publication`: published on 5 July 2024. */
export const PUBLICATION = frozen({ publishedOn: '2024-07-05' });

/** Legality, `POST /conventions/{ref}/transmission`: transmitted to the préfecture on 5 July 2024, with its acknowledgement. */
export const TRANSMISSION = frozen({ transmittedOn: '2024-07-05', acknowledgementRef: '021-262100016-20240705-D2024-41-DE' });

/** Signature, `POST /conventions/{ref}/signatures`: the CCAS (beneficiary) signs on 10 July 2024. */
export const BENEFICIARY_SIGNATURE = frozen({ party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: '2024-07-10' });

/** Subsidy request, `POST /conventions/{ref}/years/2025/request`: sent on 20 January 2025. */
export const SUBSIDY_REQUEST = frozen({ sentOn: '2025-01-20' });

/** Payment, `POST /conventions/{ref}/years/2024/payments`: the first 100 000 € tranche of 2024. */
export const PAYMENT = frozen({ reference: 'VIR-2024-0001', receivedOn: '2024-09-15', amountCents: 10000000 });

/** Financial report, `POST /conventions/{ref}/years/2024/financial-report`: the 2024 CRF submitted, 198 500 € spent. */
export const FINANCIAL_REPORT_SUBMITTED = frozen({ status: 'SUBMITTED', on: '2025-06-10', spentCents: 19850000 });

/** Financial report, `POST /conventions/{ref}/years/2024/financial-report`: the 2024 CRF accepted. */
export const FINANCIAL_REPORT_ACCEPTED = frozen({ status: 'ACCEPTED', on: '2025-07-01' });

// ---------------------------------------------------------------------------------------------------------------
// Not written out in API.md: the project's examples for the paths it names
// ---------------------------------------------------------------------------------------------------------------

/** Renewal, `POST /parcours/{id}/renewals` (no body in API.md): the EPS of 4 November 2027 extends the plan by 6 months. */
export const RENEWAL = frozen({ meetingDate: on('2027-11-04'), extensionMonths: 6 });

/** Suspension, `POST /parcours/{id}/suspension` (no body in API.md): a month in hospital from 10 January 2027. */
export const SUSPENSION = frozen({ reason: 'HOSPITALISATION', startsOn: on('2027-01-10'), expectedEndOn: on('2027-02-10') });

/** Resumption, `POST /parcours/{id}/resumption` (no body in API.md): back on 8 February 2027. */
export const RESUMPTION = frozen({ resumedOn: on('2027-02-08') });

/** Derogation, `POST /parcours/{id}/derogations` (no body in API.md): the coordinator extends the maximum duration to 30 months. */
export const DEROGATION = frozen({ kind: 'DURATION', motive: 'Suivi à prolonger au-delà de la durée maximale.', decidedOn: on('2027-10-01'), maxTotalMonths: 30 });

/** Signature, `POST /conventions/{ref}/signatures` (API.md names `STATE` only): the préfet signs on 12 July 2024. */
export const STATE_SIGNATURE = frozen({ party: 'STATE', signatory: "Préfet de la Côte-d'Or", signedOn: '2024-07-12' });

/** Award notice, `POST /conventions/{ref}/years/2025/authorisation` (API.md: `"..."` placeholders): notified before the 2025 request. */
export const AWARD_NOTICE = frozen({ awardNotice: 'Arrêté préfectoral 2025-0142', notifiedOn: '2025-01-10' });

/** Rectification, `POST /parcours/{id}/rectifications` (issue 14's example): the family's new address, with its source. */
export const RECTIFICATION = frozen({ child: { address: { line1: '3 rue Marcel Sembat', postcode: '21000', city: 'Dijon' } }, motive: 'Nouvelle adresse communiquée par la mère' });
