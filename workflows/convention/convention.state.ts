/**
 * The convention's data and rules (DOMAIN.md §2.1–2.3, §2.5): deliberations, legality, signatures, the years as
 * their workflows report them, and completion. Deterministic and I/O-free: `conventionWorkflow` drives it.
 */
import {
  conventionFinalReportDueOn,
  conventionLabel,
  conventionWorkflowId,
  tranchesOf,
  type Actor,
  type AuthorisationRecord,
  type ConventionInput,
  type ConventionResult,
  type ConventionStage,
  type ConventionView,
  type DeadlineView,
  type DeliberationAnswer,
  type DeliberationInput,
  type DeliberationRecord,
  type FundingYearInput,
  type FundingYearSummary,
  type PreviousYearStatus,
  type PublicationInput,
  type SignatureInput,
  type SignatureRecord,
  type TransmissionInput,
  type UpdateMeta,
  type YearChange,
} from './convention.contract';
import { Journal, failure, type JournalSnapshot, type ReminderPlan } from '../shared/journal';
import {
  addDays,
  dateOf,
  enforceableOn,
  evaluateDeliberation,
  frDate,
  frEuros,
  isOverdue,
  isReached,
  isValidDate,
  maxDate,
  prefetWindowEndsOn,
  type DeliberationBody,
  type IsoDate,
} from './convention.rules';
import { FailureType } from '../shared/failures';
import { FundingYearState, YEAR_STAGE_LABELS } from './funding-year.state';

export const CONVENTION_STAGE_LABELS: Record<ConventionStage, string> = {
  AWAITING_DELIBERATION: "en attente de la délibération du conseil d'administration",
  AWAITING_LEGALITY: 'délibération adoptée, publication et transmission en préfecture à enregistrer',
  AWAITING_SIGNATURES: 'en attente des signatures',
  IN_EFFECT: 'en vigueur',
  COMPLETED: 'achevée',
};

const PARTY_LABELS = { BENEFICIARY: 'le bénéficiaire', STATE: "l'État" } as const;

interface ConventionData {
  created: boolean;
  deliberations: DeliberationRecord[];
  adoptedId: string | null;
  publication: { publishedOn: IsoDate; by: Actor; at: string } | null;
  transmission: { transmittedOn: IsoDate; acknowledgementRef: string; by: Actor; at: string } | null;
  signatures: SignatureRecord[];
  effectiveOn: IsoDate | null;
  startedBy: Actor | null;
  /** Years whose workflow has been started. */
  startedYears: number[];
  /** Last summary each year reported. */
  yearSummaries: Record<string, FundingYearSummary>;
  /** Last status relayed to each year about its previous year (JSON), to send only changes. */
  relayed: Record<string, string>;
  completedOn: IsoDate | null;
  updatedAt: string;
}

export interface ConventionSnapshot {
  data: ConventionData;
  journal: JournalSnapshot;
}

export class ConventionState {
  readonly workflowId: string;
  readonly j: Journal;
  d: ConventionData;
  appliedThisRun = 0;

  constructor(
    readonly input: ConventionInput,
    nowMs: number,
  ) {
    this.workflowId = conventionWorkflowId(input.convention.reference);
    const carried = input.carried?.state as ConventionSnapshot | undefined;
    this.j = new Journal(this.workflowId, false, carried?.journal);
    if (carried) {
      this.d = carried.data;
      return;
    }
    this.d = {
      created: false,
      deliberations: [],
      adoptedId: null,
      publication: null,
      transmission: null,
      signatures: [],
      effectiveOn: null,
      startedBy: null,
      startedYears: [],
      yearSummaries: {},
      relayed: {},
      completedOn: null,
      updatedAt: input.createdAt,
    };
    const t = input.convention;
    this.j.add(
      input.createdBy,
      'CONVENTION_CREATED',
      `Convention ${t.reference} créée : ${t.parties.state} / ${t.parties.beneficiary}, ${frEuros(t.annualAmountCents)} par an pour ${t.years.join(', ')} ; rapport final dû le ${frDate(this.finalReportDueOn)}`,
      this.stage(),
      nowMs,
      { requestedAt: input.createdAt, idempotencyKey: input.idempotencyKey },
    );
  }

  snapshot(): ConventionSnapshot {
    return { data: this.d, journal: this.j.snapshot() };
  }

  get terms() {
    return this.input.convention;
  }
  get ref(): string {
    return this.input.convention.reference;
  }
  get settings() {
    return this.input.settings;
  }
  get years(): number[] {
    return this.input.convention.years;
  }
  get finalReportDueOn(): IsoDate {
    return conventionFinalReportDueOn(this.years, this.settings);
  }
  get enforceableOn(): IsoDate | null {
    return enforceableOn(this.d.publication?.publishedOn ?? null, this.d.transmission?.transmittedOn ?? null);
  }
  get adopted(): DeliberationRecord | null {
    return this.d.deliberations.find((x) => x.id === this.d.adoptedId) ?? null;
  }
  get completed(): boolean {
    return this.d.completedOn !== null;
  }

  stage(): ConventionStage {
    if (this.d.completedOn) return 'COMPLETED';
    if (this.d.effectiveOn) return 'IN_EFFECT';
    if (this.enforceableOn) return 'AWAITING_SIGNATURES';
    if (this.d.adoptedId) return 'AWAITING_LEGALITY';
    return 'AWAITING_DELIBERATION';
  }

  accepts(): string[] {
    switch (this.stage()) {
      case 'AWAITING_DELIBERATION':
        return ['deliberations'];
      case 'AWAITING_LEGALITY':
        return [...(this.d.publication ? [] : ['publication']), ...(this.d.transmission ? [] : ['transmission'])];
      case 'AWAITING_SIGNATURES':
        return ['signatures'];
      case 'IN_EFFECT':
        return ['years/{year}/…'];
      default:
        return [];
    }
  }

  /** Signatures expected by this date (enforceable + N days), then a reminder. */
  signaturesDueOn(): IsoDate | null {
    const e = this.enforceableOn;
    return e ? addDays(e, this.settings.signatureReminderDays) : null;
  }

  // -------------------------------------------------------------------------------------------------------
  // Years
  // -------------------------------------------------------------------------------------------------------

  /** The authorisation the adopted deliberation carries for `year` (AUTHORISE_RECEIPT + receiptYear, default the first year). */
  receiptAuthorisation(year: number): AuthorisationRecord | undefined {
    const a = this.adopted;
    if (!a || !a.body.decisions.includes('AUTHORISE_RECEIPT')) return undefined;
    if ((a.body.receiptYear ?? Math.min(...this.years)) !== year) return undefined;
    return { kind: 'DELIBERATION', on: a.body.sessionDate, deliberationId: a.id, fromConventionDeliberation: true, by: a.by, at: a.at };
  }

  previousStatusOf(year: number): PreviousYearStatus | undefined {
    const s = this.d.yearSummaries[String(year)];
    if (!s) return undefined;
    return { year, reportState: s.reportState, reportAcceptedOn: s.reportAcceptedOn, nextPaymentAtRisk: s.nextPaymentAtRisk, closed: s.stage === 'CLOSED' };
  }

  childInput(year: number): FundingYearInput {
    const input: FundingYearInput = {
      conventionRef: this.ref,
      year,
      years: this.years,
      subject: this.terms.subject,
      parties: this.terms.parties,
      grantedCents: this.terms.annualAmountCents,
      tranches: tranchesOf(this.terms),
      settings: this.settings,
      effectiveOn: this.d.effectiveOn ?? dateOf(Date.now()),
      startedBy: this.d.startedBy ?? this.input.createdBy,
    };
    const auth = this.receiptAuthorisation(year);
    if (auth) input.authorisation = auth;
    const prev = this.previousStatusOf(year - 1);
    if (prev) input.previousYear = prev;
    return input;
  }

  /** Years to start: every year once the convention is in effect. */
  yearsToStart(): number[] {
    if (!this.d.effectiveOn) return [];
    return this.years.filter((y) => !this.d.startedYears.includes(y));
  }

  markStarted(year: number, nowMs: number): void {
    if (this.d.startedYears.includes(year)) return;
    this.d.startedYears.push(year);
    const prev = this.previousStatusOf(year - 1);
    if (prev) this.d.relayed[String(year)] = JSON.stringify(prev);
    this.j.add(this.d.startedBy ?? this.input.createdBy, 'YEAR_STARTED', `Année ${year} ouverte (workflow de l'année démarré)`, this.stage(), nowMs, { year });
  }

  allStarted(): boolean {
    return this.years.every((y) => this.d.startedYears.includes(y));
  }

  yearSummary(year: number, nowMs: number): FundingYearSummary {
    const known = this.d.yearSummaries[String(year)];
    if (known) {
      // Overdue flags are recomputed: a deadline may have passed since the year last reported.
      const deadlines = known.deadlines.map((d) => ({ ...d, overdue: isOverdue(d.dueOn, nowMs) }));
      return { ...known, deadlines, nextDeadline: deadlines[0] ?? null, overdue: deadlines.some((d) => d.overdue) };
    }
    const projection = new FundingYearState(this.childInput(year), nowMs, true);
    return projection.summary(nowMs, this.d.startedYears.includes(year) ? undefined : 'NOT_STARTED');
  }

  /** A year reported a change: keep its summary, mirror its events, complete when every year is closed. */
  applyYearChange(change: YearChange, nowMs: number): void {
    const y = change.summary.year;
    if (!this.years.includes(y)) return;
    const before = this.d.yearSummaries[String(y)];
    this.d.yearSummaries[String(y)] = change.summary;
    for (const e of change.events) this.j.mirror(e, y);
    if (change.summary.stage === 'CLOSED' && before?.stage !== 'CLOSED') {
      this.j.add({ sub: 'system', role: 'system' }, 'YEAR_CLOSED', `Année ${y} close le ${frDate(change.summary.closedOn ?? dateOf(nowMs))}`, this.stage(), nowMs, { year: y, onDate: change.summary.closedOn ?? undefined });
    }
    if (!this.completed && this.d.effectiveOn && this.years.every((yy) => this.d.yearSummaries[String(yy)]?.stage === 'CLOSED')) {
      this.d.completedOn = this.years.map((yy) => this.d.yearSummaries[String(yy)].closedOn ?? dateOf(nowMs)).reduce((a, b) => maxDate(a, b));
      this.j.add({ sub: 'system', role: 'system' }, 'COMPLETED', `Convention ${this.ref} achevée : toutes les années sont closes (${frEuros(this.totalReceived())} reçus sur ${frEuros(this.totalGranted())})`, 'COMPLETED', nowMs, { onDate: this.d.completedOn });
    }
    this.j.version += 1;
  }

  /** Next-year relays to send: [year to tell, status of its previous year]. */
  relaysDue(): Array<[number, PreviousYearStatus]> {
    const out: Array<[number, PreviousYearStatus]> = [];
    for (const y of this.d.startedYears) {
      const prev = this.previousStatusOf(y - 1);
      if (!prev) continue;
      const json = JSON.stringify(prev);
      if (this.d.relayed[String(y)] !== json) out.push([y, prev]);
    }
    return out;
  }

  markRelayed(year: number, status: PreviousYearStatus): void {
    this.d.relayed[String(year)] = JSON.stringify(status);
  }

  totalGranted(): number {
    return this.terms.annualAmountCents * this.years.length;
  }
  totalReceived(): number {
    return this.years.reduce((a, y) => a + (this.d.yearSummaries[String(y)]?.receivedCents ?? 0), 0);
  }

  // -------------------------------------------------------------------------------------------------------
  // Deadlines, reminders, view
  // -------------------------------------------------------------------------------------------------------

  ownDeadlines(nowMs: number): DeadlineView[] {
    if (this.completed) return [];
    const out: DeadlineView[] = [];
    const sig = this.signaturesDueOn();
    if (this.stage() === 'AWAITING_SIGNATURES' && sig) {
      const missing = (['BENEFICIARY', 'STATE'] as const).filter((p) => !this.d.signatures.some((s) => s.party === p));
      out.push({ kind: 'SIGNATURES', dueOn: sig, overdue: isOverdue(sig, nowMs), label: `Signature(s) attendue(s) : ${missing.map((p) => PARTY_LABELS[p]).join(' et ')}` });
    }
    const last = Math.max(...this.years);
    const lastYear = this.d.yearSummaries[String(last)];
    if (!lastYear || lastYear.reportState === 'AWAITING_SUBMISSION') {
      out.push({ kind: 'FINAL_REPORT', dueOn: this.finalReportDueOn, overdue: isOverdue(this.finalReportDueOn, nowMs), label: `Rapport final de la convention (compte rendu ${last}) à remettre` });
    }
    return out;
  }

  deadlines(nowMs: number, years: FundingYearSummary[]): DeadlineView[] {
    const started = years.filter((y) => y.stage !== 'NOT_STARTED').flatMap((y) => y.deadlines);
    return [...this.ownDeadlines(nowMs), ...started].sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
  }

  /** The days the convention's own deadlines become overdue (the workflow wakes then). */
  overdueFrom(nowMs: number): IsoDate[] {
    return this.ownDeadlines(nowMs).map((d) => addDays(d.dueOn, 1));
  }

  plans(): ReminderPlan[] {
    const sig = this.signaturesDueOn();
    if (this.stage() !== 'AWAITING_SIGNATURES' || !sig) return [];
    const missing = (['BENEFICIARY', 'STATE'] as const).filter((p) => !this.d.signatures.some((s) => s.party === p));
    const who = missing.map((p) => (p === 'BENEFICIARY' ? `le bénéficiaire (${this.terms.parties.beneficiary})` : `l'État (${this.terms.parties.state})`)).join(' et ');
    const days = this.settings.signatureReminderDays;
    return [
      {
        kind: 'SIGNATURE_REMINDER',
        deadline: 'SIGNATURES',
        dueOn: sig,
        fireOn: sig,
        type: 'REMINDER_SENT',
        summary: `Relance : signatures attendues depuis ${days} jours (${who})`,
        notification: () => ({
          recipients: [this.settings.financeRecipient, this.settings.coordinatorRecipient],
          subject: `Convention ${this.ref} : signature(s) attendue(s) depuis ${days} jours`,
          body: `La délibération approuvant la convention ${this.ref} est exécutoire depuis le ${frDate(this.enforceableOn!)}. Signature(s) manquante(s) : ${who}. La convention prend effet à la dernière signature : enregistrez chacune (POST /conventions/${this.ref}/signatures).`,
          conventionRef: this.ref,
        }),
      },
    ];
  }

  fireDue(nowMs: number): number {
    return this.j.fireDue(this.plans(), nowMs, this.stage());
  }

  view(nowMs: number): ConventionView {
    const years = this.years.map((y) => this.yearSummary(y, nowMs));
    const deadlines = this.deadlines(nowMs, years);
    const transmittedOn = this.d.transmission?.transmittedOn ?? null;
    const windowEnd = transmittedOn ? prefetWindowEndsOn(transmittedOn) : null;
    return {
      workflowId: this.workflowId,
      reference: this.ref,
      subject: this.terms.subject,
      parties: this.terms.parties,
      stage: this.stage(),
      annualAmountCents: this.terms.annualAmountCents,
      tranches: tranchesOf(this.terms),
      totalGrantedCents: this.totalGranted(),
      totalReceivedCents: years.reduce((a, y) => a + y.receivedCents, 0),
      years,
      deliberations: this.d.deliberations,
      adoptedDeliberationId: this.d.adoptedId,
      legality: {
        publishedOn: this.d.publication?.publishedOn ?? null,
        transmittedOn,
        acknowledgementRef: this.d.transmission?.acknowledgementRef ?? null,
        enforceableOn: this.enforceableOn,
        enforceable: this.enforceableOn !== null,
        prefetWindowEndsOn: windowEnd,
        prefetWindowOpen: windowEnd !== null && !isReached(addDays(windowEnd, 1), nowMs),
        publication: this.d.publication ? { by: this.d.publication.by, at: this.d.publication.at } : null,
        transmission: this.d.transmission ? { by: this.d.transmission.by, at: this.d.transmission.at } : null,
      },
      signatures: this.d.signatures,
      effectiveOn: this.d.effectiveOn,
      finalReportDueOn: this.finalReportDueOn,
      deadlines,
      nextDeadline: deadlines[0] ?? null,
      overdue: deadlines.some((d) => d.overdue),
      reminders: this.j.reminders,
      accepts: this.accepts(),
      createdBy: this.input.createdBy,
      createdAt: this.input.createdAt,
      updatedAt: this.d.updatedAt,
      completedOn: this.d.completedOn,
      timeline: this.j.lastEntries(),
    };
  }

  result(): ConventionResult {
    return {
      reference: this.ref,
      years: this.years.map((y) => {
        const s = this.d.yearSummaries[String(y)];
        return {
          conventionRef: this.ref,
          year: y,
          grantedCents: s?.grantedCents ?? this.terms.annualAmountCents,
          receivedCents: s?.receivedCents ?? 0,
          spentCents: s?.spentCents ?? null,
          underUseCents: s?.underUseCents ?? null,
          reportAcceptedOn: s?.reportAcceptedOn ?? null,
          closedOn: s?.closedOn ?? '',
        };
      }),
      totalGrantedCents: this.totalGranted(),
      totalReceivedCents: this.totalReceived(),
      completedOn: this.d.completedOn ?? '',
    };
  }

  currentDetails(nowMs: number): string {
    const v = this.view(nowMs);
    const lines = [`**${conventionLabel(this.terms)}** · ${this.terms.parties.state} / ${this.terms.parties.beneficiary} · ${CONVENTION_STAGE_LABELS[v.stage]}${v.effectiveOn ? ` depuis le ${frDate(v.effectiveOn)}` : ''}`];
    const a = this.adopted;
    if (a) {
      const legal = v.legality.enforceableOn
        ? ` · exécutoire le ${frDate(v.legality.enforceableOn)} · contrôle de légalité jusqu'au ${frDate(v.legality.prefetWindowEndsOn!)}`
        : '';
      lines.push(`Délibération du ${frDate(a.body.sessionDate)} : ${a.result.summary}${legal}`);
    }
    lines.push(v.years.map((y) => `${y.year} : ${YEAR_STAGE_LABELS[y.stage]}${y.nextPaymentAtRisk ? ' ⚠' : ''}`).join(' · '));
    if (v.nextDeadline) lines.push(`Prochaine échéance : ${v.nextDeadline.label.toLowerCase()} le ${frDate(v.nextDeadline.dueOn)}${v.nextDeadline.year ? ` (${v.nextDeadline.year})` : ''}${v.nextDeadline.overdue ? ' — **en retard**' : ''}`);
    lines.push(`Rapport final dû le ${frDate(v.finalReportDueOn)} · reçu ${frEuros(v.totalReceivedCents)} sur ${frEuros(v.totalGrantedCents)}`);
    return lines.join('\n\n');
  }

  // -------------------------------------------------------------------------------------------------------
  // Updates
  // -------------------------------------------------------------------------------------------------------

  private notAccepted(what: string): never {
    const stage = this.stage();
    if (stage === 'COMPLETED') throw failure(FailureType.CLOSED, `Convention ${this.ref} is completed; it accepts no ${what} any more.`);
    const accepts = this.accepts();
    throw failure(FailureType.INVALID_TRANSITION, `Convention ${this.ref} is in stage ${stage}, which accepts: ${accepts.length ? accepts.join(', ') : 'nothing'}.`, { stage, accepts });
  }

  private assertDate(value: unknown, field: string): asserts value is IsoDate {
    if (!isValidDate(value)) throw failure(FailureType.BAD_INPUT, `${field} must be a real date written YYYY-MM-DD.`, { field });
  }

  private touched(i: UpdateMeta | null, nowMs: number): void {
    if (i) this.appliedThisRun += 1;
    this.d.updatedAt = new Date(nowMs).toISOString();
    this.j.version += 1;
  }

  private meta(i: UpdateMeta) {
    return { requestedAt: i.at, idempotencyKey: i.idempotencyKey };
  }

  /** The creation was answered once; any other create of the same reference is a duplicate. */
  validateCreate(): void {
    if (this.d.created) {
      throw failure(FailureType.DUPLICATE, `Convention ${this.ref} already exists (created on ${this.input.createdAt.slice(0, 10)}, stage ${this.stage()}).`, { reference: this.ref });
    }
  }

  applyCreate(): void {
    this.d.created = true;
  }

  private body(i: DeliberationInput): DeliberationBody {
    const b: DeliberationBody = {
      sessionDate: i.sessionDate,
      convocationDate: i.convocationDate,
      membersInOffice: i.membersInOffice,
      president: i.president,
      present: i.present,
      votes: i.votes,
      decisions: i.decisions,
    };
    if (i.proxies) b.proxies = i.proxies;
    if (i.excused) b.excused = i.excused;
    if (i.receiptYear !== undefined) b.receiptYear = i.receiptYear;
    if (i.presidentVote) b.presidentVote = i.presidentVote;
    return b;
  }

  private evaluate(i: DeliberationInput) {
    const last = this.d.deliberations[this.d.deliberations.length - 1];
    return evaluateDeliberation(this.body(i), last ? { sessionDate: last.body.sessionDate, outcome: last.result.outcome } : null);
  }

  validateDeliberation(i: DeliberationInput): void {
    if (this.stage() !== 'AWAITING_DELIBERATION') this.notAccepted('deliberation');
    const missing = (['sessionDate', 'convocationDate', 'membersInOffice', 'president', 'present', 'votes', 'decisions'] as const).filter((f) => i[f] === undefined || i[f] === null);
    if (missing.length > 0) throw failure(FailureType.BAD_INPUT, `A deliberation needs ${missing.join(', ')}.`, { fields: missing });
    const last = this.d.deliberations[this.d.deliberations.length - 1];
    if (last && i.sessionDate <= last.body.sessionDate) {
      throw failure(FailureType.RULE_VIOLATION, `The session of ${i.sessionDate} is not after the last recorded session (${last.body.sessionDate}).`, { code: 'SESSION_ORDER' });
    }
    const ev = this.evaluate(i);
    if (!ev.ok) throw failure(FailureType.RULE_VIOLATION, ev.violation.message, { code: ev.violation.code });
    if (!i.decisions.includes('APPROVE_CONVENTION')) {
      throw failure(FailureType.RULE_VIOLATION, `A deliberation on convention ${this.ref} must decide APPROVE_CONVENTION (decisions: ${i.decisions.join(', ')}); a year's receipt is authorised at /years/{year}/authorisation.`, { code: 'NO_DECISION' });
    }
    if (i.receiptYear !== undefined) {
      if (!this.years.includes(i.receiptYear)) {
        throw failure(FailureType.RULE_VIOLATION, `receiptYear ${i.receiptYear} is not one of the convention's years (${this.years.join(', ')}).`, { code: 'RECEIPT_YEAR' });
      }
      if (!i.decisions.includes('AUTHORISE_RECEIPT')) {
        throw failure(FailureType.RULE_VIOLATION, `receiptYear ${i.receiptYear} is given but the decisions do not include AUTHORISE_RECEIPT.`, { code: 'RECEIPT_YEAR' });
      }
    }
  }

  applyDeliberation(i: DeliberationInput, nowMs: number): DeliberationAnswer {
    const ev = this.evaluate(i);
    if (!ev.ok) throw failure(FailureType.RULE_VIOLATION, ev.violation.message, { code: ev.violation.code });
    const id = `d${this.d.deliberations.length + 1}`;
    const rec: DeliberationRecord = { id, body: this.body(i), result: ev.result, by: i.actor, at: new Date(nowMs).toISOString() };
    this.d.deliberations.push(rec);
    if (ev.result.outcome === 'ADOPTED') this.d.adoptedId = id;
    const next =
      ev.result.outcome === 'ADOPTED'
        ? ' — convention approuvée ; publication et transmission en préfecture à enregistrer'
        : ev.result.outcome === 'NO_QUORUM'
          ? ''
          : ' — une nouvelle séance doit délibérer';
    this.j.add(i.actor, 'DELIBERATION_RECORDED', `Séance du CA du ${frDate(i.sessionDate)} : ${ev.result.summary}${next}`, this.stage(), nowMs, { ...this.meta(i), onDate: i.sessionDate });
    this.touched(i, nowMs);
    return { ...ev.result, deliberationId: id, convention: this.view(nowMs) };
  }

  private assertAfterSession(date: IsoDate, field: string): void {
    const a = this.adopted!;
    if (date < a.body.sessionDate) {
      throw failure(FailureType.RULE_VIOLATION, `${field} (${date}) cannot be before the session that adopted the deliberation (${a.body.sessionDate}).`, { code: 'DATE_ORDER' });
    }
  }

  validatePublication(i: PublicationInput): void {
    if (this.stage() !== 'AWAITING_LEGALITY' || this.d.publication) {
      if (this.d.publication) throw failure(FailureType.INVALID_TRANSITION, `The publication is already recorded (published on ${this.d.publication.publishedOn}).`);
      this.notAccepted('publication');
    }
    this.assertDate(i.publishedOn, 'publishedOn');
    this.assertAfterSession(i.publishedOn, 'publishedOn');
  }

  applyPublication(i: PublicationInput, nowMs: number): void {
    this.d.publication = { publishedOn: i.publishedOn, by: i.actor, at: new Date(nowMs).toISOString() };
    this.j.add(i.actor, 'PUBLISHED', `Délibération publiée le ${frDate(i.publishedOn)}${this.legalitySuffix()}`, this.stage(), nowMs, { ...this.meta(i), onDate: i.publishedOn });
    this.touched(i, nowMs);
  }

  validateTransmission(i: TransmissionInput): void {
    if (this.stage() !== 'AWAITING_LEGALITY' || this.d.transmission) {
      if (this.d.transmission) throw failure(FailureType.INVALID_TRANSITION, `The transmission is already recorded (transmitted on ${this.d.transmission.transmittedOn}).`);
      this.notAccepted('transmission');
    }
    this.assertDate(i.transmittedOn, 'transmittedOn');
    if (typeof i.acknowledgementRef !== 'string' || i.acknowledgementRef.trim() === '') throw failure(FailureType.BAD_INPUT, 'acknowledgementRef must name the préfecture acknowledgement.', { field: 'acknowledgementRef' });
    this.assertAfterSession(i.transmittedOn, 'transmittedOn');
  }

  applyTransmission(i: TransmissionInput, nowMs: number): void {
    this.d.transmission = { transmittedOn: i.transmittedOn, acknowledgementRef: i.acknowledgementRef, by: i.actor, at: new Date(nowMs).toISOString() };
    this.j.add(
      i.actor,
      'TRANSMITTED',
      `Délibération transmise en préfecture le ${frDate(i.transmittedOn)} (accusé ${i.acknowledgementRef}) ; contrôle de légalité possible jusqu'au ${frDate(prefetWindowEndsOn(i.transmittedOn))}${this.legalitySuffix()}`,
      this.stage(),
      nowMs,
      { ...this.meta(i), onDate: i.transmittedOn },
    );
    this.touched(i, nowMs);
  }

  private legalitySuffix(): string {
    const e = this.enforceableOn;
    return e ? ` ; délibération exécutoire le ${frDate(e)}, signatures attendues` : '';
  }

  validateSignature(i: SignatureInput): void {
    if (this.stage() !== 'AWAITING_SIGNATURES') this.notAccepted('signature');
    if (i.party !== 'BENEFICIARY' && i.party !== 'STATE') throw failure(FailureType.BAD_INPUT, 'party must be BENEFICIARY or STATE.', { field: 'party' });
    const prior = this.d.signatures.find((s) => s.party === i.party);
    if (prior) throw failure(FailureType.INVALID_TRANSITION, `The ${i.party} party already signed (${prior.signatory}, ${prior.signedOn}); waiting for the other party's signature.`);
    this.assertDate(i.signedOn, 'signedOn');
    if (typeof i.signatory !== 'string' || i.signatory.trim() === '') throw failure(FailureType.BAD_INPUT, 'signatory must name who signed.', { field: 'signatory' });
    const e = this.enforceableOn!;
    if (i.signedOn < e) {
      throw failure(FailureType.RULE_VIOLATION, `The signature date ${i.signedOn} is before the deliberation became enforceable (${e}); the president signs under an enforceable deliberation.`, { code: 'DATE_ORDER' });
    }
    if (i.party === 'BENEFICIARY' && !this.adopted!.body.decisions.includes('AUTHORISE_SIGNATURE')) {
      throw failure(FailureType.RULE_VIOLATION, `The adopted deliberation (${this.adopted!.body.sessionDate}) does not decide AUTHORISE_SIGNATURE: the beneficiary's president is not authorised to sign.`, { code: 'NO_DECISION' });
    }
  }

  applySignature(i: SignatureInput, nowMs: number): void {
    this.d.signatures.push({ party: i.party, signatory: i.signatory, signedOn: i.signedOn, by: i.actor, at: new Date(nowMs).toISOString() });
    this.j.add(i.actor, 'SIGNED', `Convention signée par ${PARTY_LABELS[i.party]} (${i.signatory}) le ${frDate(i.signedOn)}`, this.stage(), nowMs, { ...this.meta(i), onDate: i.signedOn });
    if (this.d.signatures.length === 2) {
      this.d.effectiveOn = this.d.signatures.map((s) => s.signedOn).reduce((a, b) => maxDate(a, b));
      this.d.startedBy = i.actor;
      this.j.add(i.actor, 'TOOK_EFFECT', `Convention en vigueur le ${frDate(this.d.effectiveOn)} (dernière signature) : ouverture des années ${this.years.join(', ')}`, this.stage(), nowMs, { onDate: this.d.effectiveOn });
    }
    this.touched(i, nowMs);
  }
}
