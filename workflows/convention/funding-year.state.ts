/**
 * One funding year's data and rules (DOMAIN.md §2.4): authorisation, request, payments by tranche, financial report,
 * reminders and reconciliation. Deterministic and I/O-free: `fundingYearWorkflow` drives it, and the convention uses
 * it to show a year before its workflow starts.
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import {
  SYSTEM_ACTOR,
  fundingYearWorkflowId,
  conventionWorkflowId,
  type Actor,
  type AuthorisationInput,
  type AuthorisationRecord,
  type DeadlineView,
  type DeliberationRecord,
  type FinancialReportInput,
  type FundingYearInput,
  type FundingYearResult,
  type FundingYearStage,
  type FundingYearSummary,
  type FundingYearView,
  type PaymentInput,
  type PaymentRecord,
  type PreviousYearStatus,
  type ReportEvent,
  type ReportState,
  type SubsidyRequestInput,
  type TrancheView,
  type UpdateMeta,
} from './convention.contract';
import { Journal, failure, type JournalSnapshot, type ReminderPlan } from '../shared/journal';
import {
  allocatePayments,
  addDays,
  dateOf,
  daysLate,
  evaluateDeliberation,
  frDate,
  frEuros,
  isOverdue,
  isValidDate,
  reconcile,
  remainingCents,
  reportDueOn,
  requestDueOn,
  trancheAmounts,
  trancheConditionMet,
  trancheWaitingFor,
  type DeliberationBody,
  type IsoDate,
  type TrancheFacts,
} from './convention.rules';
import { FailureType } from '../shared/failures';

/** French label of each year stage (current details, summaries). */
export const YEAR_STAGE_LABELS: Record<FundingYearStage, string> = {
  NOT_STARTED: 'pas encore ouverte (convention non signée)',
  AWAITING_AUTHORISATION: "en attente de l'autorisation de recevoir la subvention",
  AWAITING_REQUEST: 'en attente de la demande de subvention',
  AWAITING_REPORT: 'en attente du compte rendu financier',
  REPORT_SUBMITTED: 'compte rendu financier remis, en attente de son acceptation',
  RECONCILING: 'compte rendu accepté, versements à solder',
  CLOSED: 'close',
};

const DELIBERATION_FIELDS = ['sessionDate', 'convocationDate', 'membersInOffice', 'president', 'present', 'proxies', 'excused', 'votes', 'decisions', 'receiptYear', 'presidentVote'] as const;

interface RequestData {
  sentOn: IsoDate;
  by: Actor;
  at: string;
}

interface ReportData {
  state: ReportState;
  submittedOn: IsoDate | null;
  spentCents: number | null;
  acceptedOn: IsoDate | null;
  returns: Array<{ on: IsoDate; comment: string }>;
  history: ReportEvent[];
}

interface YearData {
  authorisation: AuthorisationRecord | null;
  sessions: DeliberationRecord[];
  request: RequestData | null;
  payments: PaymentRecord[];
  /** First answer per payment reference. */
  paymentAnswers: Record<string, FundingYearView>;
  report: ReportData;
  previousYear: PreviousYearStatus | null;
  closedOn: IsoDate | null;
  startedAt: string | null;
  updatedAt: string | null;
  /** The parent must be told of a change. */
  parentDirty: boolean;
  /** The summary last sent to the parent (JSON). */
  lastSummary?: string;
}

/** What a funding year carries across continue-as-new. */
export interface FundingYearSnapshot {
  data: YearData;
  journal: JournalSnapshot;
}

export class FundingYearState {
  readonly workflowId: string;
  readonly parentWorkflowId: string;
  readonly j: Journal;
  d: YearData;
  appliedThisRun = 0;
  readonly requestDueOn: IsoDate;
  readonly reportDueOn: IsoDate;

  /** `projection`: built by the parent to show a year not started yet (no timeline of its own). */
  constructor(
    readonly input: FundingYearInput,
    nowMs: number,
    projection = false,
  ) {
    const s = input.settings;
    this.workflowId = fundingYearWorkflowId(input.conventionRef, input.year);
    this.parentWorkflowId = conventionWorkflowId(input.conventionRef);
    this.requestDueOn = requestDueOn(input.year, s.requestDueMonth, s.requestDueDay);
    this.reportDueOn = reportDueOn(input.year, s.reportDueMonth, s.reportDueDay);
    const carried = input.carried?.state as FundingYearSnapshot | undefined;
    this.j = new Journal(this.workflowId, !projection, carried?.journal);
    if (carried) {
      this.d = carried.data;
      return;
    }
    this.d = {
      authorisation: input.authorisation ?? null,
      sessions: [],
      request: null,
      payments: [],
      paymentAnswers: {},
      report: { state: 'AWAITING_SUBMISSION', submittedOn: null, spentCents: null, acceptedOn: null, returns: [], history: [] },
      previousYear: input.previousYear ?? null,
      closedOn: null,
      startedAt: projection ? null : new Date(nowMs).toISOString(),
      updatedAt: null,
      parentDirty: true,
    };
    if (!projection) {
      const auth = input.authorisation
        ? ` ; réception autorisée par la délibération du ${frDate(input.authorisation.on)}`
        : ' ; autorisation de recevoir la subvention à enregistrer';
      this.j.add(input.startedBy, 'YEAR_OPENED', `Année ${input.year} ouverte (convention en vigueur le ${frDate(input.effectiveOn)}), ${frEuros(input.grantedCents)} accordés${auth}`, this.stage(), nowMs, {
        onDate: input.effectiveOn,
        year: input.year,
      });
    }
  }

  snapshot(): FundingYearSnapshot {
    return { data: this.d, journal: this.j.snapshot() };
  }

  // -------------------------------------------------------------------------------------------------------
  // Derived state
  // -------------------------------------------------------------------------------------------------------

  get year(): number {
    return this.input.year;
  }
  get ref(): string {
    return this.input.conventionRef;
  }
  get closed(): boolean {
    return this.d.closedOn !== null;
  }
  get receivedCents(): number {
    return this.d.payments.reduce((a, p) => a + p.amountCents, 0);
  }
  get isFirstYear(): boolean {
    return this.year === Math.min(...this.input.years);
  }

  facts(): TrancheFacts {
    return {
      authorised: this.d.authorisation !== null,
      requestSent: this.d.request !== null,
      reportAccepted: this.d.report.state === 'ACCEPTED',
      previousReportAccepted: this.isFirstYear || this.d.previousYear?.reportState === 'ACCEPTED',
    };
  }

  stage(): FundingYearStage {
    if (this.d.closedOn) return 'CLOSED';
    if (this.d.report.state === 'ACCEPTED') return 'RECONCILING';
    if (this.d.report.state === 'SUBMITTED') return 'REPORT_SUBMITTED';
    if (!this.d.authorisation) return 'AWAITING_AUTHORISATION';
    if (!this.d.request) return 'AWAITING_REQUEST';
    return 'AWAITING_REPORT';
  }

  /** What the year accepts now, as API path endings. */
  accepts(): string[] {
    if (this.closed) return [];
    const out: string[] = [];
    if (!this.d.authorisation) out.push('authorisation');
    if (!this.d.request) out.push('request');
    if (remainingCents(this.input.grantedCents, this.receivedCents) > 0) out.push('payments');
    out.push('financial-report');
    return out;
  }

  deadlines(nowMs: number): DeadlineView[] {
    if (this.closed) return [];
    const out: DeadlineView[] = [];
    if (!this.d.request) {
      out.push({ kind: 'SUBSIDY_REQUEST', dueOn: this.requestDueOn, overdue: isOverdue(this.requestDueOn, nowMs), label: `Demande de subvention ${this.year} à envoyer`, year: this.year });
    }
    if (this.d.report.state === 'AWAITING_SUBMISSION') {
      out.push({ kind: 'FINANCIAL_REPORT', dueOn: this.reportDueOn, overdue: isOverdue(this.reportDueOn, nowMs), label: `Compte rendu financier ${this.year} à remettre`, year: this.year });
    }
    return out.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
  }

  /** Days the CRF is late: on its submission, or today while awaited (0 when on time or not due yet). */
  reportDaysLate(nowMs: number): number {
    if (this.d.report.state === 'ACCEPTED' && this.d.report.submittedOn) return daysLate(this.reportDueOn, this.d.report.submittedOn, dateOf(nowMs));
    return daysLate(this.reportDueOn, this.d.report.state === 'SUBMITTED' ? this.d.report.submittedOn : null, dateOf(nowMs));
  }

  /** "Next payment at risk": the CRF `atRiskDaysLate` days late and not accepted yet. */
  nextPaymentAtRisk(nowMs: number): boolean {
    if (this.closed || this.d.report.state === 'ACCEPTED') return false;
    return this.reportDaysLate(nowMs) >= this.input.settings.atRiskDaysLate;
  }

  tranches(): TrancheView[] {
    const amounts = trancheAmounts(this.input.grantedCents, this.input.tranches);
    const paid = allocatePayments(amounts, this.receivedCents);
    const f = this.facts();
    return this.input.tranches.map((t, index) => {
      const due = trancheConditionMet(t.condition, f);
      const status: TrancheView['status'] = paid[index] >= amounts[index] ? 'PAID' : paid[index] > 0 ? 'PARTLY_PAID' : due ? 'DUE' : 'NOT_DUE';
      return { index, share: t.share, condition: t.condition, amountCents: amounts[index], due, waitingFor: trancheWaitingFor(t.condition, f, this.year), paidCents: paid[index], status };
    });
  }

  reconciliation() {
    return reconcile(this.input.grantedCents, this.receivedCents, this.d.report.spentCents, this.d.report.state === 'ACCEPTED');
  }

  summary(nowMs: number, stageOverride?: FundingYearStage): FundingYearSummary {
    const deadlines = this.deadlines(nowMs);
    const rec = this.reconciliation();
    return {
      year: this.year,
      workflowId: this.workflowId,
      stage: stageOverride ?? this.stage(),
      grantedCents: this.input.grantedCents,
      receivedCents: this.receivedCents,
      deadlines,
      nextDeadline: deadlines[0] ?? null,
      overdue: deadlines.some((d) => d.overdue),
      authorised: this.d.authorisation !== null,
      reportState: this.d.report.state,
      reportDueOn: this.reportDueOn,
      reportAcceptedOn: this.d.report.acceptedOn,
      nextPaymentAtRisk: this.nextPaymentAtRisk(nowMs),
      spentCents: this.d.report.spentCents,
      underUseCents: rec.underUseCents,
      closedOn: this.d.closedOn,
    };
  }

  view(nowMs: number): FundingYearView {
    const sum = this.summary(nowMs);
    const r = this.d.report;
    return {
      ...sum,
      conventionRef: this.ref,
      conventionWorkflowId: this.parentWorkflowId,
      remainingCents: remainingCents(this.input.grantedCents, this.receivedCents),
      authorisation: { authorised: this.d.authorisation !== null, current: this.d.authorisation, sessions: this.d.sessions },
      request: {
        dueOn: this.requestDueOn,
        sentOn: this.d.request?.sentOn ?? null,
        overdue: !this.d.request && !this.closed && isOverdue(this.requestDueOn, nowMs),
        recorded: this.d.request ? { by: this.d.request.by, at: this.d.request.at } : null,
      },
      payments: this.d.payments,
      tranches: this.tranches(),
      report: {
        state: r.state,
        dueOn: this.reportDueOn,
        submittedOn: r.state === 'AWAITING_SUBMISSION' ? null : r.submittedOn,
        spentCents: r.spentCents,
        acceptedOn: r.acceptedOn,
        returns: r.returns,
        daysLate: this.reportDaysLate(nowMs),
        overdue: r.state === 'AWAITING_SUBMISSION' && !this.closed && isOverdue(this.reportDueOn, nowMs),
        history: r.history,
      },
      reminders: this.j.reminders,
      reconciliation: this.reconciliation(),
      previousYear: this.d.previousYear,
      accepts: this.accepts(),
      startedAt: this.d.startedAt,
      updatedAt: this.d.updatedAt,
      timeline: this.j.lastEntries(),
    };
  }

  result(): FundingYearResult {
    const rec = this.reconciliation();
    return {
      conventionRef: this.ref,
      year: this.year,
      grantedCents: this.input.grantedCents,
      receivedCents: this.receivedCents,
      spentCents: this.d.report.spentCents,
      underUseCents: rec.underUseCents,
      reportAcceptedOn: this.d.report.acceptedOn,
      closedOn: this.d.closedOn ?? '',
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // Reminders (request: N days before + escalation; report: 60/30/7 before, escalation, at risk)
  // -------------------------------------------------------------------------------------------------------

  plans(): ReminderPlan[] {
    if (this.closed) return [];
    const s = this.input.settings;
    const ref = this.ref;
    const year = this.year;
    const out: ReminderPlan[] = [];
    const path = `/conventions/${ref}/years/${year}`;
    if (!this.d.request) {
      const R = this.requestDueOn;
      for (const days of s.requestReminderDaysBefore) {
        out.push({
          kind: 'REQUEST_REMINDER',
          deadline: 'SUBSIDY_REQUEST',
          dueOn: R,
          fireOn: addDays(R, -days),
          type: 'REMINDER_SENT',
          summary: `Relance : demande de subvention ${year} attendue le ${frDate(R)}`,
          notification: () => this.note([s.financeRecipient], `Demande de subvention ${year} à envoyer avant le ${frDate(R)} — ${ref}`, `La demande de subvention de l'année ${year} de la convention ${ref} est attendue pour le ${frDate(R)}. Une fois envoyée, enregistrez-la (POST ${path}/request).`),
        });
      }
      out.push({
        kind: 'REQUEST_ESCALATION',
        deadline: 'SUBSIDY_REQUEST',
        dueOn: R,
        fireOn: addDays(R, s.escalationDaysAfter),
        type: 'ESCALATION_SENT',
        summary: `Alerte : demande de subvention ${year} non enregistrée à l'échéance du ${frDate(R)}`,
        notification: () => this.note([s.financeRecipient, s.coordinatorRecipient], `Demande de subvention ${year} en retard — ${ref}`, `La demande de subvention de l'année ${year} de la convention ${ref} était attendue pour le ${frDate(R)} et n'est pas enregistrée. Envoyez-la sans délai puis enregistrez-la (POST ${path}/request).`),
      });
    }
    if (this.d.report.state === 'AWAITING_SUBMISSION') {
      const D = this.reportDueOn;
      for (const days of s.reportReminderDaysBefore) {
        out.push({
          kind: `REPORT_REMINDER_${days}`,
          deadline: 'FINANCIAL_REPORT',
          dueOn: D,
          fireOn: addDays(D, -days),
          type: 'REMINDER_SENT',
          summary: `Relance J-${days} : compte rendu financier ${year} attendu le ${frDate(D)}`,
          notification: () => this.note([s.financeRecipient], `Compte rendu financier ${year} attendu le ${frDate(D)} (J-${days}) — ${ref}`, `Le compte rendu financier (CERFA 15059) de l'année ${year} de la convention ${ref} est à remettre au plus tard le ${frDate(D)}, dans ${days} jours. Une fois remis, enregistrez-le (POST ${path}/financial-report).`),
        });
      }
      out.push({
        kind: 'REPORT_ESCALATION',
        deadline: 'FINANCIAL_REPORT',
        dueOn: D,
        fireOn: addDays(D, s.escalationDaysAfter),
        type: 'ESCALATION_SENT',
        summary: `Alerte : compte rendu financier ${year} non remis à l'échéance du ${frDate(D)}`,
        notification: () => this.note([s.financeRecipient, s.coordinatorRecipient], `Compte rendu financier ${year} en retard — ${ref}`, `Le compte rendu financier de l'année ${year} de la convention ${ref} était dû le ${frDate(D)} et n'est pas remis. À ${s.atRiskDaysLate} jours de retard, le versement suivant sera signalé comme menacé.`),
      });
      out.push({
        kind: 'PAYMENT_AT_RISK',
        deadline: 'FINANCIAL_REPORT',
        dueOn: D,
        fireOn: addDays(D, s.atRiskDaysLate),
        type: 'PAYMENT_AT_RISK',
        summary: `Versement suivant menacé : compte rendu financier ${year} en retard de ${s.atRiskDaysLate} jours`,
        notification: () => this.note([s.financeRecipient, s.coordinatorRecipient], `Versement suivant menacé : compte rendu financier ${year} en retard de ${s.atRiskDaysLate} jours — ${ref}`, `Le compte rendu financier de l'année ${year} de la convention ${ref}, dû le ${frDate(D)}, a ${s.atRiskDaysLate} jours de retard : le prochain versement de l'État est menacé. Remettez-le sans délai (POST ${path}/financial-report).`),
      });
    }
    return out;
  }

  private note(recipients: string[], subject: string, body: string): Omit<NotificationRequest, 'key' | 'kind' | 'dueOn' | 'workflowId'> {
    return { recipients, subject, body, conventionRef: this.ref };
  }

  /** The days deadlines become overdue (the workflow wakes then). */
  overdueFrom(nowMs: number): IsoDate[] {
    return this.deadlines(nowMs).map((d) => addDays(d.dueOn, 1));
  }

  /** Marks the parent to be told when the year's summary changed (a deadline became overdue, a flag was raised). */
  noteSummary(nowMs: number): void {
    const json = JSON.stringify(this.summary(nowMs));
    if (json !== this.d.lastSummary) {
      this.d.lastSummary = json;
      this.d.parentDirty = true;
    }
  }

  fireDue(nowMs: number): number {
    const n = this.j.fireDue(this.plans(), nowMs, this.stage(), this.year);
    if (n > 0) this.changed(nowMs, false);
    return n;
  }

  // -------------------------------------------------------------------------------------------------------
  // Updates
  // -------------------------------------------------------------------------------------------------------

  private assertOpen(what: string): void {
    if (this.closed) {
      throw failure(FailureType.CLOSED, `Funding year ${this.year} of convention ${this.ref} closed on ${this.d.closedOn}; it accepts no ${what} any more.`);
    }
  }

  private assertDate(value: unknown, field: string): asserts value is IsoDate {
    if (!isValidDate(value)) throw failure(FailureType.BAD_INPUT, `${field} must be a real date written YYYY-MM-DD.`, { field });
  }

  private changed(nowMs: number, staff = true): void {
    if (staff) {
      this.appliedThisRun += 1;
      this.d.updatedAt = new Date(nowMs).toISOString();
    }
    this.d.parentDirty = true;
    this.j.version += 1;
  }

  private meta(i: UpdateMeta): { requestedAt: string; idempotencyKey?: string; year: number } {
    return { requestedAt: i.at, idempotencyKey: i.idempotencyKey, year: this.year };
  }

  private isAwardNotice(i: AuthorisationInput): boolean {
    return i.awardNotice !== undefined || i.notifiedOn !== undefined;
  }

  validateAuthorisation(i: AuthorisationInput): void {
    this.assertOpen('authorisation');
    if (this.d.authorisation) {
      const a = this.d.authorisation;
      throw failure(
        FailureType.INVALID_TRANSITION,
        `Funding year ${this.year} is already authorised (${a.kind === 'AWARD_NOTICE' ? `award notice ${a.awardNotice} of ${a.notifiedOn}` : `board session of ${a.on}`}); it accepts: ${this.accepts().join(', ')}.`,
      );
    }
    if (this.isAwardNotice(i)) {
      const mixed = DELIBERATION_FIELDS.filter((f) => i[f] !== undefined);
      if (mixed.length > 0) throw failure(FailureType.BAD_INPUT, `An award notice cannot be combined with deliberation fields (${mixed.join(', ')}).`);
      if (typeof i.awardNotice !== 'string' || i.awardNotice.trim() === '') throw failure(FailureType.BAD_INPUT, 'awardNotice must name the award notice.', { field: 'awardNotice' });
      this.assertDate(i.notifiedOn, 'notifiedOn');
      return;
    }
    const body = this.deliberationBody(i);
    const last = this.d.sessions[this.d.sessions.length - 1];
    if (last && body.sessionDate <= last.body.sessionDate) {
      throw failure(FailureType.RULE_VIOLATION, `The session of ${body.sessionDate} is not after the last recorded session (${last.body.sessionDate}).`, { code: 'SESSION_ORDER' });
    }
    const ev = evaluateDeliberation(body, last ? { sessionDate: last.body.sessionDate, outcome: last.result.outcome } : null);
    if (!ev.ok) throw failure(FailureType.RULE_VIOLATION, ev.violation.message, { code: ev.violation.code });
    if (!body.decisions.includes('AUTHORISE_RECEIPT')) {
      throw failure(FailureType.RULE_VIOLATION, `A year's authorisation must decide AUTHORISE_RECEIPT (decisions: ${body.decisions.join(', ')}).`, { code: 'RECEIPT_YEAR' });
    }
    if (body.receiptYear !== undefined && body.receiptYear !== this.year) {
      throw failure(FailureType.RULE_VIOLATION, `This deliberation authorises the receipt for ${body.receiptYear}, not for ${this.year}.`, { code: 'RECEIPT_YEAR' });
    }
  }

  private deliberationBody(i: AuthorisationInput): DeliberationBody {
    const missing = (['sessionDate', 'convocationDate', 'membersInOffice', 'president', 'present', 'votes', 'decisions'] as const).filter((f) => i[f] === undefined || i[f] === null);
    if (missing.length > 0) {
      throw failure(FailureType.BAD_INPUT, `A year's authorisation is a board deliberation or an award notice { awardNotice, notifiedOn }; missing: ${missing.join(', ')}.`, { fields: missing });
    }
    const b: DeliberationBody = {
      sessionDate: i.sessionDate!,
      convocationDate: i.convocationDate!,
      membersInOffice: i.membersInOffice!,
      president: i.president!,
      present: i.present!,
      votes: i.votes!,
      decisions: i.decisions!,
    };
    if (i.proxies) b.proxies = i.proxies;
    if (i.excused) b.excused = i.excused;
    if (i.receiptYear !== undefined) b.receiptYear = i.receiptYear;
    if (i.presidentVote) b.presidentVote = i.presidentVote;
    return b;
  }

  applyAuthorisation(i: AuthorisationInput, nowMs: number): void {
    const at = new Date(nowMs).toISOString();
    if (this.isAwardNotice(i)) {
      this.d.authorisation = { kind: 'AWARD_NOTICE', on: i.notifiedOn!, awardNotice: i.awardNotice!, notifiedOn: i.notifiedOn!, by: i.actor, at };
      this.j.add(i.actor, 'AUTHORISATION_RECORDED', `Année ${this.year} autorisée par l'avis d'attribution « ${i.awardNotice} » notifié le ${frDate(i.notifiedOn!)}`, this.stage(), nowMs, { ...this.meta(i), onDate: i.notifiedOn });
    } else {
      const body = this.deliberationBody(i);
      const last = this.d.sessions[this.d.sessions.length - 1];
      const ev = evaluateDeliberation(body, last ? { sessionDate: last.body.sessionDate, outcome: last.result.outcome } : null);
      if (!ev.ok) throw failure(FailureType.RULE_VIOLATION, ev.violation.message, { code: ev.violation.code });
      const id = `y${this.year}-d${this.d.sessions.length + 1}`;
      this.d.sessions.push({ id, body, result: ev.result, by: i.actor, at });
      if (ev.result.outcome === 'ADOPTED') {
        this.d.authorisation = { kind: 'DELIBERATION', on: body.sessionDate, deliberationId: id, by: i.actor, at };
      }
      const effect = ev.result.outcome === 'ADOPTED' ? `réception ${this.year} autorisée` : ev.result.outcome === 'NO_QUORUM' ? 'séance à reconvoquer' : 'autorisation refusée';
      this.j.add(i.actor, 'AUTHORISATION_RECORDED', `Séance du CA du ${frDate(body.sessionDate)} : ${ev.result.summary} — ${effect}`, this.stage(), nowMs, { ...this.meta(i), onDate: body.sessionDate });
    }
    this.changed(nowMs);
  }

  validateRequest(i: SubsidyRequestInput): void {
    this.assertOpen('request');
    if (this.d.request) {
      throw failure(FailureType.INVALID_TRANSITION, `The subsidy request for ${this.year} is already recorded (sent on ${this.d.request.sentOn}); it accepts: ${this.accepts().join(', ')}.`);
    }
    this.assertDate(i.sentOn, 'sentOn');
  }

  applyRequest(i: SubsidyRequestInput, nowMs: number): void {
    this.d.request = { sentOn: i.sentOn, by: i.actor, at: new Date(nowMs).toISOString() };
    const late = i.sentOn > this.requestDueOn ? ` (échéance du ${frDate(this.requestDueOn)} dépassée)` : '';
    this.j.add(i.actor, 'REQUEST_RECORDED', `Demande de subvention ${this.year} envoyée le ${frDate(i.sentOn)}${late}`, this.stage(), nowMs, { ...this.meta(i), onDate: i.sentOn });
    this.changed(nowMs);
  }

  /** The first answer to a payment reference already recorded (same amount and date), or undefined. */
  paymentReplay(i: PaymentInput): FundingYearView | undefined {
    const prior = this.d.payments.find((p) => p.reference === i.reference);
    if (!prior) return undefined;
    if (prior.amountCents !== i.amountCents || prior.receivedOn !== i.receivedOn) {
      throw failure(
        FailureType.DUPLICATE,
        `Payment ${i.reference} is already recorded for ${this.year} with ${frEuros(prior.amountCents)} received on ${prior.receivedOn}; a payment reference is recorded once.`,
        { reference: i.reference, amountCents: prior.amountCents, receivedOn: prior.receivedOn },
      );
    }
    return this.d.paymentAnswers[i.reference];
  }

  validatePayment(i: PaymentInput): void {
    if (this.paymentReplay(i)) return;
    this.assertOpen('payment');
    this.assertDate(i.receivedOn, 'receivedOn');
    if (typeof i.reference !== 'string' || i.reference.trim() === '') throw failure(FailureType.BAD_INPUT, 'reference must name the payment.', { field: 'reference' });
    if (!Number.isInteger(i.amountCents) || i.amountCents <= 0) throw failure(FailureType.BAD_INPUT, 'amountCents must be a positive whole number of cents.', { field: 'amountCents' });
    const remaining = remainingCents(this.input.grantedCents, this.receivedCents);
    if (i.amountCents > remaining) {
      throw failure(
        FailureType.CONFLICT,
        `A payment of ${frEuros(i.amountCents)} exceeds what remains to be received for ${this.year}: ${frEuros(remaining)} (${frEuros(this.receivedCents)} already received of ${frEuros(this.input.grantedCents)} granted).`,
        { remainingCents: remaining, receivedCents: this.receivedCents, grantedCents: this.input.grantedCents },
      );
    }
  }

  applyPayment(i: PaymentInput, nowMs: number): void {
    const before = this.tranches();
    this.d.payments.push({ reference: i.reference, receivedOn: i.receivedOn, amountCents: i.amountCents, by: i.actor, at: new Date(nowMs).toISOString() });
    const early = before.some((t, k) => !t.due && this.tranches()[k].paidCents > t.paidCents) ? ' (avant que la tranche correspondante soit due)' : '';
    this.j.add(
      i.actor,
      'PAYMENT_RECORDED',
      `Versement ${i.reference} de ${frEuros(i.amountCents)} reçu le ${frDate(i.receivedOn)}${early} ; reçu ${frEuros(this.receivedCents)} sur ${frEuros(this.input.grantedCents)}`,
      this.stage(),
      nowMs,
      { ...this.meta(i), onDate: i.receivedOn },
    );
    this.changed(nowMs);
    this.maybeClose(i.actor, nowMs);
  }

  rememberPayment(reference: string, answer: FundingYearView): void {
    this.d.paymentAnswers[reference] = JSON.parse(JSON.stringify(answer)) as FundingYearView;
  }

  validateReport(i: FinancialReportInput): void {
    this.assertOpen('financial report');
    this.assertDate(i.on, 'on');
    const r = this.d.report;
    if (i.status === 'SUBMITTED') {
      if (r.state !== 'AWAITING_SUBMISSION') {
        throw failure(FailureType.INVALID_TRANSITION, `The financial report for ${this.year} is ${r.state === 'SUBMITTED' ? 'already submitted and awaits acceptance or return' : 'already accepted'}; it accepts: ${r.state === 'SUBMITTED' ? 'ACCEPTED, RETURNED' : 'nothing more'}.`);
      }
      if (!Number.isInteger(i.spentCents) || (i.spentCents as number) < 0) throw failure(FailureType.BAD_INPUT, 'spentCents (the amount spent, in cents) is required with SUBMITTED.', { field: 'spentCents' });
      if (i.on < `${this.year}-01-01`) throw failure(FailureType.RULE_VIOLATION, `The financial report for ${this.year} cannot be submitted on ${i.on}, before the year began.`, { code: 'DATE_ORDER' });
      const lastReturn = r.returns[r.returns.length - 1];
      if (lastReturn && i.on < lastReturn.on) throw failure(FailureType.RULE_VIOLATION, `The report cannot be submitted again on ${i.on}, before it was returned (${lastReturn.on}).`, { code: 'DATE_ORDER' });
      return;
    }
    if (i.status !== 'ACCEPTED' && i.status !== 'RETURNED') throw failure(FailureType.BAD_INPUT, 'status must be SUBMITTED, ACCEPTED or RETURNED.', { field: 'status' });
    if (r.state !== 'SUBMITTED') {
      throw failure(FailureType.INVALID_TRANSITION, `The financial report for ${this.year} is ${r.state === 'ACCEPTED' ? 'already accepted' : 'not submitted'}; it can be ${i.status.toLowerCase()} only once submitted.`);
    }
    if (r.submittedOn && i.on < r.submittedOn) throw failure(FailureType.RULE_VIOLATION, `The report cannot be ${i.status.toLowerCase()} on ${i.on}, before its submission (${r.submittedOn}).`, { code: 'DATE_ORDER' });
    if (i.status === 'RETURNED' && (typeof i.comment !== 'string' || i.comment.trim() === '')) throw failure(FailureType.BAD_INPUT, 'A returned report needs a comment saying why.', { field: 'comment' });
  }

  applyReport(i: FinancialReportInput, nowMs: number): void {
    const r = this.d.report;
    const ev: ReportEvent = { status: i.status, on: i.on, by: i.actor, at: new Date(nowMs).toISOString() };
    if (i.spentCents !== undefined) ev.spentCents = i.spentCents;
    if (i.comment) ev.comment = i.comment;
    r.history.push(ev);
    if (i.status === 'SUBMITTED') {
      r.state = 'SUBMITTED';
      r.submittedOn = i.on;
      r.spentCents = i.spentCents!;
      const late = daysLate(this.reportDueOn, i.on, i.on);
      this.j.add(i.actor, 'REPORT_SUBMITTED', `Compte rendu financier ${this.year} remis le ${frDate(i.on)} : ${frEuros(i.spentCents!)} dépensés${late > 0 ? ` (${late} jours de retard)` : ''}`, this.stage(), nowMs, { ...this.meta(i), onDate: i.on });
    } else if (i.status === 'ACCEPTED') {
      r.state = 'ACCEPTED';
      r.acceptedOn = i.on;
      const rec = this.reconciliation();
      const under = rec.underUse ? ` ; sous-utilisation de ${frEuros(rec.underUseCents!)} signalée` : '';
      const outstanding = rec.outstandingCents ? ` ; reste à recevoir ${frEuros(rec.outstandingCents)}` : '';
      this.j.add(i.actor, 'REPORT_ACCEPTED', `Compte rendu financier ${this.year} accepté le ${frDate(i.on)}${under}${outstanding}`, this.stage(), nowMs, { ...this.meta(i), onDate: i.on });
    } else {
      r.state = 'AWAITING_SUBMISSION';
      r.returns.push({ on: i.on, comment: i.comment! });
      this.j.add(i.actor, 'REPORT_RETURNED', `Compte rendu financier ${this.year} retourné le ${frDate(i.on)} pour correction : à remettre de nouveau`, this.stage(), nowMs, { ...this.meta(i), onDate: i.on });
    }
    this.changed(nowMs);
    this.maybeClose(i.actor, nowMs);
  }

  /** Closes the year once the report is accepted and the payments reconcile (under-use flagged with its amount). */
  private maybeClose(actor: Actor, nowMs: number): void {
    const rec = this.reconciliation();
    if (this.closed || !rec.reconciled) return;
    const lastPayment = this.d.payments.reduce<IsoDate | null>((m, p) => (m === null || p.receivedOn > m ? p.receivedOn : m), null);
    const acceptedOn = this.d.report.acceptedOn!;
    this.d.closedOn = lastPayment && lastPayment > acceptedOn ? lastPayment : acceptedOn;
    const under = rec.underUse ? ` ; sous-utilisation de ${frEuros(rec.underUseCents!)} signalée` : ' ; subvention entièrement utilisée';
    const over = rec.overpaidCents ? ` ; ${frEuros(rec.overpaidCents)} reçus au-delà des dépenses` : '';
    this.j.add(actor, 'YEAR_CLOSED', `Année ${this.year} close : ${frEuros(rec.receivedCents)} reçus, ${frEuros(rec.spentCents!)} dépensés${under}${over}`, 'CLOSED', nowMs, { onDate: this.d.closedOn, year: this.year });
    this.d.parentDirty = true;
  }

  applyPreviousYear(status: PreviousYearStatus, nowMs: number): void {
    const before = this.d.previousYear;
    this.d.previousYear = status;
    if (before?.reportState !== status.reportState && status.reportState === 'ACCEPTED') {
      const freed = this.input.tranches.some((t) => t.condition === 'AFTER_PREVIOUS_REPORT_ACCEPTED') ? ' : la tranche qui en dépend est due' : '';
      this.j.add(SYSTEM_ACTOR, 'PREVIOUS_YEAR_UPDATED', `Compte rendu financier ${status.year} accepté le ${frDate(status.reportAcceptedOn ?? dateOf(nowMs))}${freed}`, this.stage(), nowMs, { year: this.year, onDate: status.reportAcceptedOn ?? undefined });
    } else if (!before?.nextPaymentAtRisk && status.nextPaymentAtRisk) {
      this.j.add(SYSTEM_ACTOR, 'PREVIOUS_YEAR_UPDATED', `Compte rendu financier ${status.year} très en retard : le prochain versement de ${this.year} est menacé`, this.stage(), nowMs, { year: this.year });
    }
    this.j.version += 1;
  }

  /** French markdown for the Temporal UI's current details. */
  currentDetails(nowMs: number): string {
    const sum = this.summary(nowMs);
    const lines = [
      `**Année ${this.year}** · ${this.ref} · ${YEAR_STAGE_LABELS[sum.stage]}`,
      `Reçu ${frEuros(sum.receivedCents)} sur ${frEuros(sum.grantedCents)} accordés`,
    ];
    const next = sum.nextDeadline;
    if (next) lines.push(`Prochaine échéance : ${next.label.toLowerCase()} le ${frDate(next.dueOn)}${next.overdue ? ' — **en retard**' : ''}`);
    if (sum.nextPaymentAtRisk) lines.push('⚠ Versement suivant menacé (compte rendu financier en retard)');
    if (sum.underUseCents) lines.push(`Sous-utilisation : ${frEuros(sum.underUseCents)}`);
    if (this.closed) lines.push(`Close le ${frDate(this.d.closedOn!)}`);
    return lines.join('\n\n');
  }
}
