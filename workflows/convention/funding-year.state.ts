/**
 * One funding year's data and rules (DOMAIN.md §2.4): authorisation, request, payments by tranche, financial report,
 * reminders (from the table of funding-year.deadlines.ts) and reconciliation, with the validator and applier of each
 * update. What it shows is funding-year.view.ts. Deterministic and I/O-free: `fundingYearWorkflow` drives it, and the
 * convention uses it to show a year before its workflow starts.
 */
import { dateOf, frLongDate, timerHourOf, type IsoDate } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import { resume, type CarriedState, type Journal, type NewEntry } from '../shared/journal';
import { forcedContinueAsNew, type LongLivedState, type Wake } from '../shared/loop';
import { SYSTEM_ACTOR, type Actor, type UpdateMeta } from '../shared/messages';
import { assertDate, assertInWindow, assertReference, assertSessionOrder, deliberationBodyOf, missingDeliberationFields, reportWindow, reusedKey, sessionResult } from './convention.checks';
import type { FundingYearStage, ReportState } from './convention.codes';
import { conventionWorkflowId, fundingYearWorkflowId, type FundingYearInput } from './convention.contract';
import { fireReminders, nextReminderWake, shownDeadlines, type DeadlineRow } from './convention.deadlines';
import type { AuthorisationInput, CrfBudget, FinancialReportInput, SubsidyRequestInput } from './convention.inputs';
import type {
  AuthorisationRecord,
  DeadlineView,
  DeliberationRecord,
  FundingYearView,
  PaymentRecord,
  PreviousYearStatus,
  ReminderRecord,
  RepaymentRecord,
  ReportEvent,
  SettlementRecord,
  TimelineEntry,
  TrancheView,
} from './convention.records';
import { allocatePayments, daysLate, frEuros, reconcile, remainingCents, trancheAmounts, trancheConditionMet, trancheWaitingFor, type Reconciliation, type TrancheFacts } from './convention.rules';
import { yearDeadlineDates, yearDeadlineTable, type YearDeadlineDates } from './funding-year.deadlines';
import { budgetView, closeIfReconciled, moneyDeadlineRows, settlementFacts, validateBudget, type MoneyHost } from './funding-year.money';

const DELIBERATION_FIELDS = ['sessionDate', 'convocationDate', 'membersInOffice', 'president', 'present', 'proxies', 'excused', 'nonParticipating', 'votes', 'decisions', 'receiptYear', 'presidentVote', 'number'] as const;

interface ReportData {
  state: ReportState;
  submittedOn: IsoDate | null;
  spentCents: number | null;
  acceptedOn: IsoDate | null;
  returns: Array<{ on: IsoDate; comment: string }>;
  history: ReportEvent[];
  /** The budget of the last submitted report, when it gave one (absent in years started before it). */
  budget?: CrfBudget | null;
}

/** What a funding year carries across continue-as-new, besides its journal. */
export interface YearData {
  authorisation: AuthorisationRecord | null;
  sessions: DeliberationRecord[];
  request: { sentOn: IsoDate; amountCents?: number; portalDossierNumber?: string; by: Actor; at: string } | null;
  payments: PaymentRecord[];
  /** First answer per payment reference. */
  paymentAnswers: Record<string, FundingYearView>;
  report: ReportData;
  previousYear: PreviousYearStatus | null;
  /** The State's settlement decisions and repayment orders (absent in years started before them). */
  settlements?: SettlementRecord[];
  /** Repaid against the repayment orders. */
  repayments?: RepaymentRecord[];
  /** The reminders decided, sent or skipped. */
  reminders: ReminderRecord[];
  closedOn: IsoDate | null;
  startedAt: string | null;
  updatedAt: string | null;
  /** The parent must be told of a change. */
  parentDirty: boolean;
  /** Timeline entries up to this number are reported to the parent. */
  reportedSeq: number;
  /** The summary last sent to the parent (JSON). */
  lastSummary?: string;
}

export class FundingYearState implements LongLivedState, MoneyHost {
  readonly workflowId: string;
  readonly parentWorkflowId: string;
  readonly journal: Journal<TimelineEntry>;
  readonly run: number;
  d: YearData;
  appliedThisRun = 0;

  /**
   * `projection`: built by the parent to show a year not started yet (no timeline of its own); `opened`: false for
   * the projection of a year whose convention has not taken effect (no opening day: its statutory dates stand).
   */
  constructor(
    readonly input: FundingYearInput,
    nowMs: number,
    projection = false,
    private readonly opened = true,
  ) {
    this.workflowId = fundingYearWorkflowId(input.conventionRef, input.year);
    this.parentWorkflowId = conventionWorkflowId(input.conventionRef);
    const carried = resume(input.carried as CarriedState<YearData, TimelineEntry> | undefined, reusedKey);
    ({ journal: this.journal, run: this.run } = carried);
    if (carried.data) {
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
      reminders: [],
      closedOn: null,
      startedAt: projection ? null : new Date(nowMs).toISOString(),
      updatedAt: null,
      parentDirty: true,
      reportedSeq: 0,
    };
    if (!projection) {
      const auth = input.authorisation ? ` ; réception autorisée par la délibération du ${frLongDate(input.authorisation.on)}` : ' ; autorisation de recevoir la subvention à enregistrer';
      this.add(input.startedBy, 'YEAR_OPENED', `Année ${input.year} ouverte (convention en vigueur le ${frLongDate(input.effectiveOn)}), ${frEuros(input.grantedCents)} accordés${auth}${this.catchUpNote()}`, nowMs, { onDate: input.effectiveOn });
    }
  }

  /** Everything continue-as-new must carry. */
  carry(): CarriedState<YearData, TimelineEntry> {
    return { data: this.d, journal: this.journal.snapshot(), run: this.run };
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
  /** The year's award: its authorisation's amount, else the convention's annual amount. Every ceiling uses it. */
  get grantedCents(): number {
    return this.d.authorisation?.grantedCents ?? this.input.grantedCents;
  }
  get isFirstYear(): boolean {
    return this.year === Math.min(...this.input.years);
  }

  /**
   * The dates the year must meet (funding-year.deadlines.ts#yearDeadlineDates): opened the day its convention took
   * effect, a date already past then moves to its catch-up date; a returned report is due again from its return.
   */
  dueDates(): YearDeadlineDates {
    const returns = this.d.report.returns;
    return yearDeadlineDates(this.year, this.input.settings, this.opened ? this.input.effectiveOn : null, returns.length > 0 ? returns[returns.length - 1].on : null);
  }
  get requestDueOn(): IsoDate {
    return this.dueDates().request.dueOn;
  }
  get reportDueOn(): IsoDate {
    return this.dueDates().report.dueOn;
  }

  /** French, for the opening entry: the catch-up dates of the deadlines already past on the opening day. */
  private catchUpNote(): string {
    const d = this.dueDates();
    const moved = [
      d.request.catchUp ? `demande de subvention (échéance du ${frLongDate(d.request.statutoryDueOn)}) à envoyer avant le ${frLongDate(d.request.dueOn)}` : '',
      d.report.catchUp ? `compte rendu financier (échéance du ${frLongDate(d.report.statutoryDueOn)}) à remettre avant le ${frLongDate(d.report.dueOn)}` : '',
    ].filter(Boolean);
    return moved.length > 0 ? ` ; échéances déjà passées à l'ouverture, de rattrapage : ${moved.join(', ')}` : '';
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
    if (remainingCents(this.grantedCents, this.receivedCents) > 0) out.push('payments');
    out.push('financial-report');
    if (this.d.report.state === 'ACCEPTED') out.push('settlement');
    if (this.reconciliation().repaymentDueCents > 0) out.push('repayment');
    return out;
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

  /** Each tranche: its amount, whether it is due, what it waits for, and the received money allocated to it. */
  tranches(): TrancheView[] {
    const amounts = trancheAmounts(this.grantedCents, this.input.tranches);
    const paid = allocatePayments(amounts, this.receivedCents);
    const f = this.facts();
    return this.input.tranches.map((t, index) => {
      const due = trancheConditionMet(t.condition, f);
      const status: TrancheView['status'] = paid[index] >= amounts[index] ? 'PAID' : paid[index] > 0 ? 'PARTLY_PAID' : due ? 'DUE' : 'NOT_DUE';
      return { index, share: t.share, condition: t.condition, amountCents: amounts[index], due, waitingFor: trancheWaitingFor(t.condition, f, this.year), paidCents: paid[index], status };
    });
  }

  /** The last submitted report's budget with what is computed from it, or null. */
  budget(): ReturnType<typeof budgetView> | null {
    return this.d.report.budget ? budgetView(this.d.report.budget, this.grantedCents) : null;
  }

  reconciliation(): Reconciliation {
    const budget = this.budget();
    const acts = settlementFacts(this.d.settlements, this.d.repayments, budget !== null);
    return reconcile(this.grantedCents, this.receivedCents, this.d.report.spentCents, this.d.report.state === 'ACCEPTED', acts, budget ? budget.subsidyUsedCents : this.d.report.spentCents);
  }

  // -------------------------------------------------------------------------------------------------------
  // Deadlines and reminders: derived from the table of funding-year.deadlines.ts
  // -------------------------------------------------------------------------------------------------------

  private deadlineTable(): DeadlineRow[] {
    const money = { ref: this.ref, year: this.year, settings: this.input.settings, closed: this.closed, acceptedOn: this.d.report.acceptedOn, rec: this.reconciliation(), settlements: this.d.settlements ?? [] };
    return [
      ...yearDeadlineTable({ ref: this.ref, year: this.year, settings: this.input.settings, closed: this.closed, requestSent: this.d.request !== null, reportAwaited: this.d.report.state === 'AWAITING_SUBMISSION', dates: this.dueDates() }),
      ...moneyDeadlineRows(money),
    ];
  }

  deadlines(nowMs: number): DeadlineView[] {
    return shownDeadlines(this.deadlineTable(), nowMs, timerHourOf(this.input.settings));
  }

  fireDue(nowMs: number): number {
    const n = fireReminders(this.journal, this.d.reminders, this.workflowId, this.deadlineTable(), nowMs, this.stage(), this.year, timerHourOf(this.input.settings));
    if (n > 0) this.changed(nowMs, false);
    return n;
  }

  nextWake(nowMs: number): Wake | null {
    return nextReminderWake(this.journal, this.deadlineTable(), nowMs, timerHourOf(this.input.settings));
  }

  finished(): boolean {
    return this.closed;
  }

  continueAsNewReason(): string | null {
    return forcedContinueAsNew(this.input.settings, this.appliedThisRun);
  }

  // -------------------------------------------------------------------------------------------------------
  // The parent: what it must be told
  // -------------------------------------------------------------------------------------------------------

  /** Marks the parent to be told when the year's summary (JSON) changed: a deadline became overdue, a flag was raised. */
  noteSummary(summaryJson: string): void {
    if (summaryJson !== this.d.lastSummary) {
      this.d.lastSummary = summaryJson;
      this.d.parentDirty = true;
    }
  }

  /** The timeline entries not yet reported to the parent, now counted as reported. */
  takeEvents(): TimelineEntry[] {
    const events = this.journal.timeline.filter((e) => e.seq > this.d.reportedSeq);
    this.d.reportedSeq = this.journal.seq;
    this.d.parentDirty = false;
    return events;
  }

  // -------------------------------------------------------------------------------------------------------
  // Updates
  // -------------------------------------------------------------------------------------------------------

  add(actor: Actor, type: TimelineEntry['type'], summary: string, nowMs: number, extra: Partial<NewEntry<TimelineEntry>> = {}): void {
    this.journal.add({ actor, type, summary, stage: this.stage(), year: this.year, ...extra }, nowMs);
  }

  assertOpen(what: string): void {
    if (this.closed) {
      throw failure(FailureType.CLOSED, `Funding year ${this.year} of convention ${this.ref} closed on ${this.d.closedOn}; it accepts no ${what} any more.`);
    }
  }

  changed(nowMs: number, staff = true): void {
    if (staff) {
      this.appliedThisRun += 1;
      this.d.updatedAt = new Date(nowMs).toISOString();
    }
    this.d.parentDirty = true;
    this.journal.touch();
  }

  private meta(i: UpdateMeta): { requestedAt: string; idempotencyKey?: string } {
    return { requestedAt: i.at, idempotencyKey: i.idempotencyKey };
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
      assertDate(i.notifiedOn, 'notifiedOn');
      this.validateGrant(i.grantedCents);
      return;
    }
    this.validateGrant(i.grantedCents);
    const body = this.deliberationBody(i);
    assertSessionOrder(body.sessionDate, this.d.sessions);
    sessionResult(body, this.d.sessions, this.input.settings);
    if (!body.decisions.includes('AUTHORISE_RECEIPT')) {
      throw failure(FailureType.RULE_VIOLATION, `A year's authorisation must decide AUTHORISE_RECEIPT (decisions: ${body.decisions.join(', ')}).`, { code: 'RECEIPT_YEAR' });
    }
    if (body.receiptYear !== undefined && body.receiptYear !== this.year) {
      throw failure(FailureType.RULE_VIOLATION, `This deliberation authorises the receipt for ${body.receiptYear}, not for ${this.year}.`, { code: 'RECEIPT_YEAR' });
    }
  }

  /** A year's award is whole cents and not below what the year already received (422 GRANT_BELOW_RECEIVED). */
  private validateGrant(grantedCents: number | undefined): void {
    if (grantedCents === undefined) return;
    if (!Number.isInteger(grantedCents) || grantedCents <= 0) throw failure(FailureType.BAD_INPUT, 'grantedCents must be a positive whole number of cents.', { field: 'grantedCents' });
    if (grantedCents < this.receivedCents) {
      throw failure(FailureType.RULE_VIOLATION, `The award of ${frEuros(grantedCents)} for ${this.year} is below what the year already received (${frEuros(this.receivedCents)}).`, { code: 'GRANT_BELOW_RECEIVED', field: 'grantedCents', receivedCents: this.receivedCents });
    }
  }

  private deliberationBody(i: AuthorisationInput) {
    const missing = missingDeliberationFields(i);
    if (missing.length > 0) {
      throw failure(FailureType.BAD_INPUT, `A year's authorisation is a board deliberation or an award notice { awardNotice, notifiedOn }; missing: ${missing.join(', ')}.`, { fields: missing });
    }
    return deliberationBodyOf(i);
  }

  applyAuthorisation(i: AuthorisationInput, nowMs: number): void {
    const at = new Date(nowMs).toISOString();
    const grant = i.grantedCents !== undefined ? { grantedCents: i.grantedCents } : {};
    const amount = ` : ${frEuros(i.grantedCents ?? this.input.grantedCents)} accordés`;
    if (this.isAwardNotice(i)) {
      this.d.authorisation = { kind: 'AWARD_NOTICE', on: i.notifiedOn!, awardNotice: i.awardNotice!, notifiedOn: i.notifiedOn!, ...grant, by: i.actor, at };
      this.add(i.actor, 'AUTHORISATION_RECORDED', `Année ${this.year} autorisée par l'avis d'attribution « ${i.awardNotice} » notifié le ${frLongDate(i.notifiedOn!)}${amount}`, nowMs, { ...this.meta(i), onDate: i.notifiedOn });
    } else {
      const body = this.deliberationBody(i);
      const result = sessionResult(body, this.d.sessions, this.input.settings);
      const id = `y${this.year}-d${this.d.sessions.length + 1}`;
      this.d.sessions.push({ id, body, result, by: i.actor, at });
      if (result.outcome === 'ADOPTED') {
        this.d.authorisation = { kind: 'DELIBERATION', on: body.sessionDate, deliberationId: id, ...(body.number ? { deliberationNumber: body.number } : {}), ...grant, by: i.actor, at };
      }
      const effect = result.outcome === 'ADOPTED' ? `réception ${this.year} autorisée${amount}` : result.outcome === 'NO_QUORUM' ? 'séance à reconvoquer' : 'autorisation refusée';
      this.add(i.actor, 'AUTHORISATION_RECORDED', `Séance du CA du ${frLongDate(body.sessionDate)} : ${result.summary} — ${effect}`, nowMs, { ...this.meta(i), onDate: body.sessionDate });
    }
    this.changed(nowMs);
  }

  validateRequest(i: SubsidyRequestInput): void {
    this.assertOpen('request');
    if (this.d.request) {
      throw failure(FailureType.INVALID_TRANSITION, `The subsidy request for ${this.year} is already recorded (sent on ${this.d.request.sentOn}); it accepts: ${this.accepts().join(', ')}.`);
    }
    assertDate(i.sentOn, 'sentOn');
    if (i.amountCents !== undefined && (!Number.isInteger(i.amountCents) || i.amountCents <= 0)) throw failure(FailureType.BAD_INPUT, 'amountCents must be a positive whole number of cents.', { field: 'amountCents' });
    assertReference(i.portalDossierNumber, 'portalDossierNumber');
  }

  applyRequest(i: SubsidyRequestInput, nowMs: number): void {
    this.d.request = { sentOn: i.sentOn, ...(i.amountCents !== undefined ? { amountCents: i.amountCents } : {}), ...(i.portalDossierNumber ? { portalDossierNumber: i.portalDossierNumber } : {}), by: i.actor, at: new Date(nowMs).toISOString() };
    const late = i.sentOn > this.requestDueOn ? ` (échéance du ${frLongDate(this.requestDueOn)} dépassée)` : '';
    const dossier = i.portalDossierNumber ? ` (dossier n° ${i.portalDossierNumber} sur le portail de l'État)` : '';
    this.add(i.actor, 'REQUEST_RECORDED', `Demande de subvention ${this.year} envoyée le ${frLongDate(i.sentOn)}${dossier}${late}`, nowMs, { ...this.meta(i), onDate: i.sentOn });
    this.changed(nowMs);
  }

  validateReport(i: FinancialReportInput): void {
    this.assertOpen('financial report');
    assertDate(i.on, 'on');
    const r = this.d.report;
    if (i.status === 'SUBMITTED') {
      if (r.state !== 'AWAITING_SUBMISSION') {
        throw failure(FailureType.INVALID_TRANSITION, `The financial report for ${this.year} is ${r.state === 'SUBMITTED' ? 'already submitted and awaits acceptance or return' : 'already accepted'}; it accepts: ${r.state === 'SUBMITTED' ? 'ACCEPTED, RETURNED' : 'nothing more'}.`);
      }
      validateBudget(i.budget, i.spentCents);
      if (!i.budget && (!Number.isInteger(i.spentCents) || (i.spentCents as number) < 0)) throw failure(FailureType.BAD_INPUT, 'spentCents (the amount spent, in cents) or the budget is required with SUBMITTED.', { field: 'spentCents' });
      assertInWindow(i.on, reportWindow(this.year), `The financial report for ${this.year}`, 'on');
      const lastReturn = r.returns[r.returns.length - 1];
      if (lastReturn && i.on < lastReturn.on) throw failure(FailureType.RULE_VIOLATION, `The report cannot be submitted again on ${i.on}, before it was returned (${lastReturn.on}).`, { code: 'DATE_ORDER' });
      return;
    }
    if (i.status !== 'ACCEPTED' && i.status !== 'RETURNED') throw failure(FailureType.BAD_INPUT, 'status must be SUBMITTED, ACCEPTED or RETURNED.', { field: 'status' });
    if (i.budget !== undefined && i.budget !== null) throw failure(FailureType.RULE_VIOLATION, 'A budget comes with the SUBMITTED report only.', { code: 'BUDGET_WITH_SUBMISSION', field: 'budget' });
    if (r.state !== 'SUBMITTED') {
      throw failure(FailureType.INVALID_TRANSITION, `The financial report for ${this.year} is ${r.state === 'ACCEPTED' ? 'already accepted' : 'not submitted'}; it can be ${i.status.toLowerCase()} only once submitted.`);
    }
    if (r.submittedOn && i.on < r.submittedOn) throw failure(FailureType.RULE_VIOLATION, `The report cannot be ${i.status.toLowerCase()} on ${i.on}, before its submission (${r.submittedOn}).`, { code: 'DATE_ORDER' });
    if (i.status === 'RETURNED' && (typeof i.comment !== 'string' || i.comment.trim() === '')) throw failure(FailureType.BAD_INPUT, 'A returned report needs a comment saying why.', { field: 'comment' });
  }

  applyReport(i: FinancialReportInput, nowMs: number): void {
    const r = this.d.report;
    const ev: ReportEvent = { status: i.status, on: i.on, by: i.actor, at: new Date(nowMs).toISOString() };
    const spent = i.budget ? budgetView(i.budget, this.grantedCents).expensesCents : i.spentCents;
    if (spent !== undefined) ev.spentCents = spent;
    if (i.comment) ev.comment = i.comment;
    if (i.budget) ev.budget = i.budget;
    r.history.push(ev);
    const meta = { ...this.meta(i), onDate: i.on };
    if (i.status === 'SUBMITTED') {
      r.state = 'SUBMITTED';
      r.submittedOn = i.on;
      r.spentCents = spent!;
      r.budget = i.budget ?? null;
      const late = daysLate(this.reportDueOn, i.on, i.on);
      const b = this.budget();
      const share = b ? `, dont ${frEuros(b.subsidyUsedCents)} sur cette subvention (${String(b.subsidySharePercent).replace('.', ',')} %)` : '';
      this.add(i.actor, 'REPORT_SUBMITTED', `Compte rendu financier ${this.year} remis le ${frLongDate(i.on)} : ${frEuros(spent!)} dépensés${share}${late > 0 ? ` (${late} jours de retard)` : ''}`, nowMs, meta);
    } else if (i.status === 'ACCEPTED') {
      r.state = 'ACCEPTED';
      r.acceptedOn = i.on;
      const rec = this.reconciliation();
      const under = rec.underUse ? ` ; sous-utilisation de ${frEuros(rec.underUseCents!)} signalée` : '';
      const outstanding = rec.outstandingCents ? ` ; reste à recevoir ${frEuros(rec.outstandingCents)}` : rec.awaiting === 'REPAYMENT_ORDER' ? ` ; trop-perçu de ${frEuros(rec.overpaidCents!)} : décision de l'État attendue` : '';
      this.add(i.actor, 'REPORT_ACCEPTED', `Compte rendu financier ${this.year} accepté le ${frLongDate(i.on)}${under}${outstanding}`, nowMs, meta);
    } else {
      r.state = 'AWAITING_SUBMISSION';
      r.returns.push({ on: i.on, comment: i.comment! });
      this.add(i.actor, 'REPORT_RETURNED', `Compte rendu financier ${this.year} retourné le ${frLongDate(i.on)} pour correction : à remettre de nouveau avant le ${frLongDate(this.reportDueOn)}`, nowMs, meta);
    }
    this.changed(nowMs);
    closeIfReconciled(this, i.actor, nowMs);
  }

  /** The parent relays the previous year's report: a tranche may fall due, or the next payment be at risk. */
  applyPreviousYear(status: PreviousYearStatus, nowMs: number): void {
    const before = this.d.previousYear;
    this.d.previousYear = status;
    if (before?.reportState !== status.reportState && status.reportState === 'ACCEPTED') {
      const freed = this.input.tranches.some((t) => t.condition === 'AFTER_PREVIOUS_REPORT_ACCEPTED') ? ' : la tranche qui en dépend est due' : '';
      this.add(SYSTEM_ACTOR, 'PREVIOUS_YEAR_UPDATED', `Compte rendu financier ${status.year} accepté le ${frLongDate(status.reportAcceptedOn ?? dateOf(nowMs))}${freed}`, nowMs, { onDate: status.reportAcceptedOn ?? undefined });
    } else if (!before?.nextPaymentAtRisk && status.nextPaymentAtRisk) {
      this.add(SYSTEM_ACTOR, 'PREVIOUS_YEAR_UPDATED', `Compte rendu financier ${status.year} très en retard : le prochain versement de ${this.year} est menacé`, nowMs);
    }
    this.journal.touch();
  }
}
