/**
 * A generated population of parcours for the indicators (e2e test and bench/indicators.ts), built through the REAL
 * parcours workflow: each case is started with update-with-start and moved with the contract's updates, with
 * backdated business dates. The generator decides each case's fate and records, independently of the report's
 * code, what the report must see of it (`ExpectedCase`).
 *
 * Each case's settings are part of its input: they quiet the reminders that do not matter to the figures (long
 * reminder and escalation delays), but every closure the report sees is the workflow's own doing — refusals, EPS
 * decisions, staff closures, and the timers of NO_CONSENT (60 days), LOST_CONTACT (90 days), CONSENT_WITHDRAWN
 * (15 days), MOVED_OUT (31 August), AGE_LIMIT (17th birthday) and MAX_DURATION, which fire at once on backdated
 * dates and close with the business date.
 *
 * Every business date is on or before LAST_BUSINESS_DATE and every automatic closure falls before it, so the
 * population assumes the machine's clock is past mid-2026; 11–16-year-olds are 11 or 12 at the referral (no
 * unplanned age-limit closure before 2029).
 */
import { randomBytes } from 'node:crypto';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ACTION_TYPES, DEFAULT_PARCOURS_SETTINGS, ORIENTEUR_TYPES, REFERRAL_REASONS, changeActionUpdate, closeParcoursUpdate, createReferralUpdate, recordConsentUpdate, recordLifeEventUpdate, recordReassessmentUpdate, recordTeamReviewUpdate, renewParcoursUpdate, resumeParcoursUpdate, scheduleActionUpdate, getClosingSummaryQuery, getStateQuery, isPurgedView, suspendParcoursUpdate, workflowIdFor, type ActionStatus, type ActionType, type Actor, type ClosureReason, type ParcoursInput, type ParcoursSettings, type ParcoursView, type QpvCode, type Sex, type TeamDecision } from '../../workflows/parcours/parcours.contract';
import type { parcoursWorkflow } from '../../workflows/parcours/parcours.workflow';
import { ageBandOf, nextEpsMeeting, schoolYearEnd, type AgeBand, type EpsCalendar } from '../../workflows/parcours/parcours.rules';
import { initialSearchAttributes, staticSummaryFor } from '../../workflows/parcours/parcours.view';
import { addDays, addMonths, type IsoDate } from '../../workflows/shared/calendar';
import { prng } from '../../bench/lib/inputs';

/** No business date of the population is later than this. */
export const LAST_BUSINESS_DATE = '2026-06-30';
/** EPS meetings: second Tuesday of each month, none in August. */
const EPS: EpsCalendar = { weekday: 2, weekOfMonth: 2, noMeetingMonths: [8] };
export const COORDINATOR: Actor = { sub: 'u-coord-rpt', role: 'coordinator' };
const REFERENT = 'u-ref-rpt';

/** Settings of the population: reminders far away, the automatic closures of the domain kept. */
export const QUIET_SETTINGS: ParcoursSettings = {
  ...DEFAULT_PARCOURS_SETTINGS,
  consentReminderDays: 3650,
  consentExpiryDays: 3650,
  reviewEscalationDays: 3650,
  reassessmentMonths: 120,
  maxTotalMonths: 120,
};

/** What the report must see of a case (recorded by the generator, not read back from Temporal). */
export interface ExpectedCase {
  qpv: QpvCode;
  ageBand: AgeBand;
  /** The child's birth date: the age band of each later date is computed from it. */
  birthDate: IsoDate;
  sex: Sex;
  referredOn: IsoDate;
  /** Closed at the eligibility check. */
  ineligible: boolean;
  reviews: Array<{ on: IsoDate; decision: TeamDecision }>;
  renewals: IsoDate[];
  activeOn: IsoDate | null;
  actions: Array<{ type: ActionType; startsOn: IsoDate; status: ActionStatus; statusOn?: IsoDate }>;
  closure: { reason: ClosureReason; on: IsoDate } | null;
}

/** One update to send, in order. */
export interface Step {
  update: UpdateDefinition<ParcoursView, [never]>;
  input: Record<string, unknown>;
}

export interface PlannedCase {
  dossierId: string;
  fate: Fate;
  input: ParcoursInput;
  steps: Step[];
  expected: ExpectedCase;
}

/** Every path a case can take in the population. */
export const FATES = [
  'ineligible-age',
  'ineligible-qpv',
  'derogation-active',
  'derogation-refused',
  'awaiting-consent',
  'no-consent-refused',
  'no-consent-expired',
  'age-limit-auto',
  'lost-before-consent',
  'moved-city-before-consent',
  'awaiting-review',
  'withdrawn-before-review',
  'other-before-review',
  'redirected',
  'refused',
  'active-open',
  'active-objectives-met',
  'active-handed-over',
  'active-other',
  'active-age-limit',
  'active-withdrawn',
  'active-moved',
  'active-moved-city',
  'active-lost',
  'active-max-duration',
] as const;
export type Fate = (typeof FATES)[number];

/** Cases per fate in one year of the e2e population (QPV OTHER: 11 referrals in 2024, exactly 3 in 2025). */
export const E2E_MIX: Record<number, Partial<Record<Fate, number>>> = {
  2024: {
    'ineligible-age': 6, 'ineligible-qpv': 8, 'derogation-active': 2, 'derogation-refused': 1, 'awaiting-consent': 4, 'no-consent-refused': 10,
    'no-consent-expired': 8, 'age-limit-auto': 3, 'lost-before-consent': 3, 'moved-city-before-consent': 2, 'awaiting-review': 4,
    'withdrawn-before-review': 3, 'other-before-review': 2, redirected: 8, refused: 8, 'active-open': 28, 'active-objectives-met': 12,
    'active-handed-over': 8, 'active-other': 4, 'active-age-limit': 3, 'active-withdrawn': 6, 'active-moved': 5, 'active-moved-city': 3,
    'active-lost': 5, 'active-max-duration': 6,
  },
  2025: {
    'ineligible-age': 6, 'ineligible-qpv': 2, 'derogation-active': 1, 'awaiting-consent': 10, 'no-consent-refused': 10, 'no-consent-expired': 8,
    'age-limit-auto': 3, 'lost-before-consent': 3, 'moved-city-before-consent': 2, 'awaiting-review': 9, 'withdrawn-before-review': 3,
    'other-before-review': 2, redirected: 8, refused: 8, 'active-open': 38, 'active-objectives-met': 6, 'active-handed-over': 5,
    'active-other': 3, 'active-age-limit': 2, 'active-withdrawn': 5, 'active-moved': 4, 'active-moved-city': 3, 'active-lost': 4,
    'active-max-duration': 3,
  },
};

/** Fates that refer a child outside any QPV. */
const OTHER_QPV_FATES: ReadonlySet<Fate> = new Set<Fate>(['ineligible-qpv', 'derogation-active', 'derogation-refused']);

/** The seeded PRNG with helpers: the same seed gives the same population. */
function seeded(seed: number) {
  const next = prng(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)],
  };
}

const minDate = (a: IsoDate, b: IsoDate) => (a <= b ? a : b);

/** One case's plan: its referral, its updates in order and what the report must see. */
class CaseBuilder {
  readonly steps: Step[] = [];
  readonly expected: ExpectedCase;
  readonly settings: ParcoursSettings = { ...QUIET_SETTINGS };
  private actions: ExpectedCase['actions'] = [];
  private lastMeeting: IsoDate | null = null;
  consentOn: IsoDate | null = null;

  constructor(
    readonly rnd: ReturnType<typeof seeded>,
    readonly referredOn: IsoDate,
    qpv: QpvCode,
    readonly birthDate: IsoDate,
    sex: Sex,
    ageBand: AgeBand,
  ) {
    this.expected = { qpv, ageBand, birthDate, sex, referredOn, ineligible: false, reviews: [], renewals: [], activeOn: null, actions: this.actions, closure: null };
  }

  private meta() {
    return { actor: COORDINATOR, at: new Date().toISOString() };
  }

  private push(update: UpdateDefinition<ParcoursView, [never]>, input: Record<string, unknown>): void {
    this.steps.push({ update, input: { ...this.meta(), ...input } });
  }

  close(reason: ClosureReason, on: IsoDate): void {
    for (const a of this.actions) if (a.status === 'SCHEDULED') Object.assign(a, { status: 'STOPPED', statusOn: on });
    this.expected.closure = { reason, on };
  }

  consent(decision: 'GRANTED' | 'REFUSED' = 'GRANTED'): IsoDate {
    const on = addDays(this.referredOn, this.rnd.int(3, 20));
    this.push(recordConsentUpdate as never, {
      decision,
      signedOn: on,
      ...(decision === 'GRANTED' ? { signedBy: [{ name: 'Parent', relationship: 'MOTHER' }], dataSharingInformed: true } : { note: 'Refus de la famille' }),
    });
    if (decision === 'REFUSED') this.close('NO_CONSENT', on);
    this.consentOn = on;
    return on;
  }

  /** The next EPS meeting at least `gap` days after the consent or the last meeting. */
  nextMeeting(gap: number): IsoDate {
    return nextEpsMeeting(addDays(this.lastMeeting ?? this.consentOn ?? this.referredOn, gap), EPS);
  }

  review(decision: TeamDecision, extra: Record<string, unknown> = {}, gap = this.rnd.int(5, 25)): IsoDate {
    const on = this.nextMeeting(gap);
    this.lastMeeting = on;
    this.push(recordTeamReviewUpdate as never, { meetingDate: on, decision, ...extra });
    this.expected.reviews.push({ on, decision });
    if (decision === 'REDIRECTED') this.close('REDIRECTED', on);
    if (decision === 'REFUSED') this.close('REFUSED', on);
    if (decision === 'VALIDATED') this.expected.activeOn = on;
    return on;
  }

  validate(durationMonths = 12): IsoDate {
    if (this.rnd.next() < 0.3) this.review('MORE_INFO', { motive: 'Bilan scolaire à compléter' });
    return this.review('VALIDATED', { objectives: [{ label: 'Progresser en lecture' }, { label: 'Reprendre confiance' }], referentId: REFERENT, durationMonths });
  }

  /** 1 to 3 actions from the validation on; some done, some cancelled. */
  /**
   * Schedules 1–3 actions; some are then marked done or cancelled (dated the day the population is driven) unless
   * `settle` is false: a case that closes on a backdated date of its own (a move) must not hold a later date, or its
   * closure follows that date (docs/domain.md, "MOVED_OUT recorded late").
   */
  addActions(activeOn: IsoDate, settle = true): void {
    const n = this.rnd.int(1, 3);
    for (let i = 0; i < n; i += 1) {
      const type = this.rnd.pick(ACTION_TYPES);
      const startsOn = minDate(addDays(activeOn, this.rnd.int(0, 150)), LAST_BUSINESS_DATE);
      this.push(scheduleActionUpdate as never, { type, provider: 'Association partenaire', startsOn, sessions: 10, frequency: 'WEEKLY', objectiveIds: ['o1'] });
      const action = { type, startsOn, status: 'SCHEDULED' as ActionStatus };
      this.actions.push(action);
      const roll = settle ? this.rnd.next() : (this.rnd.next(), 1);
      const actionId = `a${this.actions.length}`;
      if (roll < 0.25) {
        this.push(changeActionUpdate as never, { actionId, status: 'DONE' });
        action.status = 'DONE';
      } else if (roll < 0.35) {
        this.push(changeActionUpdate as never, { actionId, status: 'CANCELLED', motive: 'Prestataire indisponible' });
        action.status = 'CANCELLED';
      }
    }
  }

  renew(activeOn: IsoDate, until: IsoDate): void {
    const on = nextEpsMeeting(addDays(activeOn, 150), EPS);
    if (on > until) return;
    this.lastMeeting = on;
    this.push(renewParcoursUpdate as never, { meetingDate: on, extensionMonths: 6 });
    this.expected.renewals.push(on);
  }

  suspendAndResume(activeOn: IsoDate): void {
    const startsOn = minDate(addDays(activeOn, this.rnd.int(20, 60)), LAST_BUSINESS_DATE);
    this.push(suspendParcoursUpdate as never, { reason: 'SUMMER', startsOn });
    this.push(resumeParcoursUpdate as never, { resumedOn: minDate(addDays(startsOn, 30), LAST_BUSINESS_DATE) });
  }

  /** A reassessment: the workflow continues-as-new after it (last step of an open case). */
  reassess(activeOn: IsoDate): void {
    this.push(recordReassessmentUpdate as never, { assessedOn: minDate(addDays(activeOn, 90), LAST_BUSINESS_DATE), progress: [{ objectiveId: 'o1', level: 'PARTIAL' }], decision: 'CONTINUE' });
  }

  lifeEvent(type: 'CONSENT_WITHDRAWN' | 'MOVED_OUT' | 'FAMILY_UNREACHABLE', occurredOn: IsoDate, leftCity?: boolean): void {
    this.push(recordLifeEventUpdate as never, { type, occurredOn, ...(leftCity !== undefined ? { leftCity } : {}) });
  }

  closeBy(reason: ClosureReason, on: IsoDate): void {
    this.push(closeParcoursUpdate as never, {
      reason,
      closedOn: on,
      summary: 'Synthèse de fin de parcours',
      ...(reason === 'HANDED_OVER' ? { handedOverTo: 'Centre social' } : {}),
      ...(reason === 'OTHER' ? { motive: 'Autre motif' } : {}),
    });
    this.close(reason, on);
  }
}

/** A referral date in `year` (never 29 February, so that anniversaries exist every year). */
function referralDate(rnd: ReturnType<typeof seeded>, year: number, lastMonth = 12): IsoDate {
  const month = rnd.int(1, lastMonth);
  const day = rnd.int(month === 1 ? 5 : 1, month === 12 ? 20 : 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A birth date giving exactly `age` on `on`. */
function birthFor(rnd: ReturnType<typeof seeded>, on: IsoDate, age: number): IsoDate {
  return addDays(`${Number(on.slice(0, 4)) - age}${on.slice(4)}`, -rnd.int(1, 330));
}

/** Plans one case of `fate` referred in `year`. */
function planCase(rnd: ReturnType<typeof seeded>, fate: Fate, year: number, index: number, tag: string): PlannedCase {
  // cases that need a closure ≥ 6 months after the validation are referred before September
  const referredOn = referralDate(rnd, year, fate === 'active-max-duration' ? 8 : 12);
  const sex: Sex = rnd.next() < 0.5 ? 'F' : 'M';
  const qpv: QpvCode = OTHER_QPV_FATES.has(fate) ? 'OTHER' : rnd.next() < 0.55 ? 'GRESILLES' : 'FONTAINE_D_OUCHE';
  let age: number;
  let birthDate: IsoDate;
  if (fate === 'ineligible-age') {
    age = index % 2 === 0 ? rnd.int(0, 1) : rnd.int(17, 18);
    birthDate = birthFor(rnd, referredOn, age);
  } else if (fate === 'age-limit-auto') {
    // 16 on the referral, 17 some weeks later: the workflow closes the case on the birthday
    const birthday17 = addDays(referredOn, rnd.int(10, 200));
    birthDate = `${Number(birthday17.slice(0, 4)) - 17}${birthday17.slice(4)}`;
    if (birthDate.endsWith('-02-29')) birthDate = birthDate.replace('-02-29', '-02-28');
    age = 16;
  } else {
    const band = rnd.pick(['2-5', '6-10', '11-16'] as const);
    age = band === '2-5' ? rnd.int(2, 5) : band === '6-10' ? rnd.int(6, 10) : rnd.int(11, 12);
    birthDate = birthFor(rnd, referredOn, age);
  }
  const b = new CaseBuilder(rnd, referredOn, qpv, birthDate, sex, ageBandOf(age));
  const derogation = fate.startsWith('derogation-') ? { motive: 'Famille relogée hors QPV en cours de scolarité' } : undefined;

  const active = (durationMonths = 12): IsoDate => {
    b.consent();
    const on = b.validate(durationMonths);
    return on;
  };

  switch (fate) {
    case 'ineligible-age':
    case 'ineligible-qpv':
      b.expected.ineligible = true;
      b.close('INELIGIBLE', referredOn);
      break;
    case 'awaiting-consent':
      break;
    case 'no-consent-refused':
      b.consent('REFUSED');
      break;
    case 'no-consent-expired':
      b.settings.consentExpiryDays = 60;
      b.close('NO_CONSENT', addDays(referredOn, 60));
      break;
    case 'age-limit-auto': {
      const d = new Date(`${birthDate}T00:00:00Z`);
      d.setUTCFullYear(d.getUTCFullYear() + 17);
      b.close('AGE_LIMIT', d.toISOString().slice(0, 10));
      break;
    }
    case 'lost-before-consent': {
      const w = addDays(referredOn, rnd.int(5, 40));
      b.lifeEvent('FAMILY_UNREACHABLE', w);
      b.close('LOST_CONTACT', addDays(w, 90));
      break;
    }
    case 'moved-city-before-consent': {
      const w = addDays(referredOn, rnd.int(5, 40));
      b.lifeEvent('MOVED_OUT', w, true);
      b.close('MOVED_OUT', w);
      break;
    }
    case 'awaiting-review':
      b.consent();
      if (rnd.next() < 0.5) b.review('MORE_INFO', { motive: 'Avis de la PMI attendu' });
      break;
    case 'withdrawn-before-review': {
      const c = b.consent();
      const w = addDays(c, rnd.int(5, 40));
      b.lifeEvent('CONSENT_WITHDRAWN', w);
      b.close('CONSENT_WITHDRAWN', addDays(w, 15));
      break;
    }
    case 'other-before-review': {
      const c = b.consent();
      b.closeBy('OTHER', addDays(c, rnd.int(5, 40)));
      break;
    }
    case 'redirected':
      b.consent();
      if (rnd.next() < 0.3) b.review('MORE_INFO');
      b.review('REDIRECTED', { redirectedTo: 'Service de soutien scolaire municipal' });
      break;
    case 'refused':
    case 'derogation-refused':
      b.consent();
      b.review('REFUSED', { motive: 'Besoins couverts par le droit commun' });
      break;
    case 'active-open':
    case 'derogation-active': {
      const on = active();
      b.addActions(on);
      if (rnd.next() < 0.4) b.renew(on, LAST_BUSINESS_DATE);
      if (rnd.next() < 0.2) b.suspendAndResume(on);
      if (rnd.next() < 0.2) b.reassess(on);
      break;
    }
    case 'active-objectives-met':
    case 'active-handed-over':
    case 'active-other':
    case 'active-age-limit': {
      const on = active();
      b.addActions(on);
      const closeOn = minDate(addDays(on, rnd.int(30, 400)), LAST_BUSINESS_DATE);
      if (rnd.next() < 0.3) b.renew(on, closeOn);
      const reason = ({ 'active-objectives-met': 'OBJECTIVES_MET', 'active-handed-over': 'HANDED_OVER', 'active-other': 'OTHER', 'active-age-limit': 'AGE_LIMIT' } as const)[fate];
      b.closeBy(reason, closeOn);
      break;
    }
    case 'active-withdrawn': {
      const on = active();
      b.addActions(on);
      const w = minDate(addDays(on, rnd.int(20, 300)), addDays(LAST_BUSINESS_DATE, -15));
      b.lifeEvent('CONSENT_WITHDRAWN', w);
      for (const a of b.expected.actions) if (a.status === 'SCHEDULED') Object.assign(a, { status: 'STOPPED', statusOn: w });
      b.close('CONSENT_WITHDRAWN', addDays(w, 15));
      break;
    }
    case 'active-moved': {
      const on = active();
      b.addActions(on, false);
      const w = minDate(addDays(on, rnd.int(10, 250)), '2026-05-31');
      b.lifeEvent('MOVED_OUT', w, false);
      b.close('MOVED_OUT', schoolYearEnd(w));
      break;
    }
    case 'active-moved-city': {
      const on = active();
      b.addActions(on, false);
      const w = minDate(addDays(on, rnd.int(10, 250)), LAST_BUSINESS_DATE);
      b.lifeEvent('MOVED_OUT', w, true);
      b.close('MOVED_OUT', w);
      break;
    }
    case 'active-lost': {
      const on = active();
      b.addActions(on);
      const w = minDate(addDays(on, rnd.int(10, 250)), addDays(LAST_BUSINESS_DATE, -90));
      b.lifeEvent('FAMILY_UNREACHABLE', w);
      b.close('LOST_CONTACT', addDays(w, 90));
      break;
    }
    case 'active-max-duration': {
      // a maximum of 6 months: the workflow closes the case 6 months after the validation, at once (backdated)
      b.settings.maxTotalMonths = 6;
      const on = active(6);
      b.close('MAX_DURATION', addMonths(on, 6));
      break;
    }
  }

  const dossierId = `RPT-${tag}-${String(index).padStart(4, '0')}`;
  const input: ParcoursInput = {
    dossierId,
    referral: {
      referredOn,
      child: {
        firstName: `Enfant${index}`,
        lastName: 'Test',
        birthDate,
        sex,
        address: { line1: '1 rue du Test', postcode: '21000', city: 'Dijon' },
        qpv,
        school: { name: 'École du quartier', level: 'CE2', priorityEducation: 'REP+' },
      },
      guardians: [{ firstName: 'Parent', lastName: 'Test', relationship: 'MOTHER' }],
      orienteur: { type: ORIENTEUR_TYPES[index % ORIENTEUR_TYPES.length], organisation: 'Partenaire' },
      reasons: [REFERRAL_REASONS[index % REFERRAL_REASONS.length]],
      ...(derogation ? { derogation } : {}),
    },
    childKey: randomBytes(16).toString('hex'),
    settings: b.settings,
    createdBy: COORDINATOR,
    createdAt: new Date().toISOString(),
    referentId: REFERENT,
  };
  return { dossierId, fate, input, steps: b.steps, expected: b.expected };
}

/** The population: `mix[year][fate]` cases, in a shuffled order, reproducible from `seed`. */
export function planPopulation(mix: Record<number, Partial<Record<Fate, number>>>, seed = 42, tag = randomBytes(3).toString('hex')): PlannedCase[] {
  const rnd = seeded(seed);
  const out: PlannedCase[] = [];
  let index = 0;
  for (const year of Object.keys(mix).map(Number).sort()) {
    for (const fate of FATES) {
      for (let i = 0; i < (mix[year][fate] ?? 0); i += 1) out.push(planCase(rnd, fate, year, index++, tag));
    }
  }
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rnd.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Runs one case: update-with-start, then each update in order; waits for the workflow to complete if it closes. */
export async function runCase(client: Client, taskQueue: string, c: PlannedCase): Promise<void> {
  await client.workflow.executeUpdateWithStart(createReferralUpdate, {
    args: [{ actor: COORDINATOR, at: new Date().toISOString() }],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof parcoursWorkflow>('parcoursWorkflow', {
      workflowId: workflowIdFor(c.dossierId),
      taskQueue,
      args: [c.input],
      typedSearchAttributes: initialSearchAttributes(c.input),
      staticSummary: staticSummaryFor(c.input.referral),
      workflowIdConflictPolicy: 'FAIL',
    }),
  });
  const handle = client.workflow.getHandle(workflowIdFor(c.dossierId));
  for (const s of c.steps) {
    try {
      await handle.executeUpdate(s.update, { args: [s.input as never] });
    } catch (e) {
      throw new Error(`${c.dossierId} (${c.fate}): ${s.update.name} ${JSON.stringify(s.input)} failed: ${(e as Error).message} ${((e as Error).cause as Error | undefined)?.message ?? ''}`);
    }
  }
  // a closed case is held for its retention period (it no longer completes): wait until it says it is closed —
  // or, closed more than 24 months ago, until it has purged its personal data (DOMAIN.md §5)
  const settled = async () => isPurgedView(await handle.query(getStateQuery)) || !!(await handle.query(getClosingSummaryQuery));
  if (c.expected.closure) {
    for (let i = 0; !(await settled()); i++) {
      if (i > 200) throw new Error(`${c.dossierId} (${c.fate}) did not close`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Builds the population with at most `concurrency` cases in flight; resolves with the elapsed milliseconds. */
export async function buildPopulation(client: Client, taskQueue: string, plan: readonly PlannedCase[], concurrency = 10): Promise<number> {
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, plan.length) }, async () => {
      while (next < plan.length) await runCase(client, taskQueue, plan[next++]);
    }),
  );
  return Date.now() - started;
}
