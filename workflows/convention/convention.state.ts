/**
 * The convention's data and rules (DOMAIN.md §2.1–2.3, §2.5): deliberations, legality, signatures, the years as their
 * workflows report them, completion, with the validator and applier of each update. Its deadlines come from the
 * table of convention.deadlines.ts; what it shows is convention.view.ts. Deterministic and I/O-free:
 * `conventionWorkflow` drives it.
 */
import { addDays, dateOf, frLongDate, isOverdue, maxDate, timerHourOf, type IsoDate } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import { resume, type CarriedState, type Journal, type NewEntry } from '../shared/journal';
import { forcedContinueAsNew, type LongLivedState, type Wake } from '../shared/loop';
import { SYSTEM_ACTOR, type Actor, type UpdateMeta } from '../shared/messages';
import { assertDate, assertSessionOrder, deliberationBodyOf, missingDeliberationFields, reusedKey, sessionResult } from './convention.checks';
import type { ConventionStage } from './convention.codes';
import { conventionWorkflowId, type ConventionInput, type FundingYearInput } from './convention.contract';
import { conventionDeadlineTable, conventionFinalReportDueOn, fireReminders, nextReminderWake, type DeadlineRow } from './convention.deadlines';
import type { DeliberationInput, PublicationInput, SignatureInput, TransmissionInput } from './convention.inputs';
import { PARTY_LABELS } from './convention.labels';
import type { AuthorisationRecord, DeliberationRecord, FundingYearSummary, PreviousYearStatus, ReminderRecord, SignatureRecord, TimelineEntry, YearChange } from './convention.records';
import { enforceableOn, frEuros, prefetWindowEndsOn, tranchesOf, type DeliberationResult } from './convention.rules';

/** What the convention carries across continue-as-new, besides its journal. */
export interface ConventionData {
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
  /** The reminders decided, sent or skipped. */
  reminders: ReminderRecord[];
  completedOn: IsoDate | null;
  updatedAt: string;
}

export class ConventionState implements LongLivedState {
  readonly workflowId: string;
  readonly journal: Journal<TimelineEntry>;
  readonly run: number;
  d: ConventionData;
  appliedThisRun = 0;

  constructor(
    readonly input: ConventionInput,
    nowMs: number,
  ) {
    this.workflowId = conventionWorkflowId(input.convention.reference);
    const carried = resume(input.carried as CarriedState<ConventionData, TimelineEntry> | undefined, reusedKey);
    ({ journal: this.journal, run: this.run } = carried);
    if (carried.data) {
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
      reminders: [],
      completedOn: null,
      updatedAt: input.createdAt,
    };
    const t = input.convention;
    const summary = `Convention ${t.reference} créée : ${t.parties.state} / ${t.parties.beneficiary}, ${frEuros(t.annualAmountCents)} par an pour ${t.years.join(', ')} ; rapport final dû le ${frLongDate(this.finalReportDueOn)}`;
    this.add(input.createdBy, 'CONVENTION_CREATED', summary, nowMs, { requestedAt: input.createdAt, idempotencyKey: input.idempotencyKey });
  }

  /** Everything continue-as-new must carry. */
  carry(): CarriedState<ConventionData, TimelineEntry> {
    return { data: this.d, journal: this.journal.snapshot(), run: this.run };
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
  /** The date the signed convention was notified: the latest given with a signature, null before. */
  get notifiedOn(): IsoDate | null {
    return this.d.signatures.reduce<IsoDate | null>((m, s) => (s.notifiedOn && (m === null || s.notifiedOn > m) ? s.notifiedOn : m), null);
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

  // -------------------------------------------------------------------------------------------------------
  // Years
  // -------------------------------------------------------------------------------------------------------

  /** The authorisation the adopted deliberation carries for `year` (AUTHORISE_RECEIPT + receiptYear, default the first year). */
  receiptAuthorisation(year: number): AuthorisationRecord | undefined {
    const a = this.adopted;
    if (!a || !a.body.decisions.includes('AUTHORISE_RECEIPT')) return undefined;
    if ((a.body.receiptYear ?? Math.min(...this.years)) !== year) return undefined;
    return { kind: 'DELIBERATION', on: a.body.sessionDate, deliberationId: a.id, ...(a.body.number ? { deliberationNumber: a.body.number } : {}), fromConventionDeliberation: true, by: a.by, at: a.at };
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
    this.add(this.d.startedBy ?? this.input.createdBy, 'YEAR_STARTED', `Année ${year} ouverte (workflow de l'année démarré)`, nowMs, { year });
  }

  allStarted(): boolean {
    return this.years.every((y) => this.d.startedYears.includes(y));
  }

  /** A year reported a change: keep its summary, mirror its events, complete when every year is closed. */
  applyYearChange(change: YearChange, nowMs: number): void {
    const y = change.summary.year;
    if (!this.years.includes(y)) return;
    const before = this.d.yearSummaries[String(y)];
    this.d.yearSummaries[String(y)] = change.summary;
    for (const e of change.events) this.journal.append(e, { year: y });
    if (change.summary.stage === 'CLOSED' && before?.stage !== 'CLOSED') {
      this.add(SYSTEM_ACTOR, 'YEAR_CLOSED', `Année ${y} close le ${frLongDate(change.summary.closedOn ?? dateOf(nowMs))}`, nowMs, { year: y, onDate: change.summary.closedOn ?? undefined });
    }
    if (!this.completed && this.d.effectiveOn && this.years.every((yy) => this.d.yearSummaries[String(yy)]?.stage === 'CLOSED')) {
      this.d.completedOn = this.years.map((yy) => this.d.yearSummaries[String(yy)].closedOn ?? dateOf(nowMs)).reduce((a, b) => maxDate(a, b));
      this.add(SYSTEM_ACTOR, 'COMPLETED', `Convention ${this.ref} achevée : toutes les années sont closes (${frEuros(this.totalReceived())} reçus sur ${frEuros(this.totalGranted())})`, nowMs, { onDate: this.d.completedOn });
    }
    this.journal.touch();
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

  /** Each year's award as it reported it (its authorisation may differ from the annual amount), else the annual amount. */
  totalGranted(): number {
    return this.years.reduce((a, y) => a + (this.d.yearSummaries[String(y)]?.grantedCents ?? this.terms.annualAmountCents), 0);
  }
  totalReceived(): number {
    return this.years.reduce((a, y) => a + (this.d.yearSummaries[String(y)]?.receivedCents ?? 0), 0);
  }

  /** A known year's summary, its overdue flags recomputed (a deadline may have passed since the year last reported). */
  reportedSummary(year: number, nowMs: number): FundingYearSummary | undefined {
    const known = this.d.yearSummaries[String(year)];
    if (!known) return undefined;
    const deadlines = known.deadlines.map((d) => ({ ...d, overdue: isOverdue(d.dueOn, nowMs, timerHourOf(this.settings)) }));
    return { ...known, deadlines, nextDeadline: deadlines[0] ?? null, overdue: deadlines.some((d) => d.overdue) };
  }

  // -------------------------------------------------------------------------------------------------------
  // Deadlines and reminders: derived from the table of convention.deadlines.ts
  // -------------------------------------------------------------------------------------------------------

  deadlineTable(): DeadlineRow[] {
    const e = this.enforceableOn;
    const lastYear = this.d.yearSummaries[String(Math.max(...this.years))];
    return conventionDeadlineTable({
      terms: this.terms,
      settings: this.settings,
      completed: this.completed,
      signaturesDueOn: this.stage() === 'AWAITING_SIGNATURES' && e ? addDays(e, this.settings.signatureReminderDays) : null,
      enforceableOn: e,
      signed: this.d.signatures.map((s) => s.party),
      finalReportDueOn: this.finalReportDueOn,
      finalReportAwaited: !lastYear || lastYear.reportState === 'AWAITING_SUBMISSION',
    });
  }

  fireDue(nowMs: number): number {
    return fireReminders(this.journal, this.d.reminders, this.workflowId, this.deadlineTable(), nowMs, this.stage(), undefined, timerHourOf(this.settings));
  }

  nextWake(nowMs: number): Wake | null {
    return nextReminderWake(this.journal, this.deadlineTable(), nowMs, timerHourOf(this.settings));
  }

  finished(): boolean {
    return this.completed;
  }

  continueAsNewReason(): string | null {
    return forcedContinueAsNew(this.settings, this.appliedThisRun);
  }

  // -------------------------------------------------------------------------------------------------------
  // Updates
  // -------------------------------------------------------------------------------------------------------

  private add(actor: Actor, type: TimelineEntry['type'], summary: string, nowMs: number, extra: Partial<NewEntry<TimelineEntry>> = {}): void {
    this.journal.add({ actor, type, summary, stage: this.stage(), ...extra }, nowMs);
  }

  private notAccepted(what: string): never {
    const stage = this.stage();
    if (stage === 'COMPLETED') throw failure(FailureType.CLOSED, `Convention ${this.ref} is completed; it accepts no ${what} any more.`);
    const accepts = this.accepts();
    throw failure(FailureType.INVALID_TRANSITION, `Convention ${this.ref} is in stage ${stage}, which accepts: ${accepts.length ? accepts.join(', ') : 'nothing'}.`, { stage, accepts });
  }

  private touched(nowMs: number): void {
    this.appliedThisRun += 1;
    this.d.updatedAt = new Date(nowMs).toISOString();
    this.journal.touch();
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

  validateDeliberation(i: DeliberationInput): void {
    if (this.stage() !== 'AWAITING_DELIBERATION') this.notAccepted('deliberation');
    const missing = missingDeliberationFields(i);
    if (missing.length > 0) throw failure(FailureType.BAD_INPUT, `A deliberation needs ${missing.join(', ')}.`, { fields: missing });
    assertSessionOrder(i.sessionDate, this.d.deliberations);
    sessionResult(deliberationBodyOf(i), this.d.deliberations, this.settings);
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

  /** Records the session; the answer adds the convention's view (the workflow builds it). */
  applyDeliberation(i: DeliberationInput, nowMs: number): DeliberationResult & { deliberationId: string } {
    const body = deliberationBodyOf(i);
    const result = sessionResult(body, this.d.deliberations, this.settings);
    const id = `d${this.d.deliberations.length + 1}`;
    this.d.deliberations.push({ id, body, result, by: i.actor, at: new Date(nowMs).toISOString() });
    if (result.outcome === 'ADOPTED') this.d.adoptedId = id;
    const next =
      result.outcome === 'ADOPTED' ? ' — convention approuvée ; publication et transmission en préfecture à enregistrer' : result.outcome === 'NO_QUORUM' ? '' : ' — une nouvelle séance doit délibérer';
    const number = body.number ? ` (délibération n° ${body.number})` : '';
    this.add(i.actor, 'DELIBERATION_RECORDED', `Séance du CA du ${frLongDate(i.sessionDate)}${number} : ${result.summary}${next}`, nowMs, { ...this.meta(i), onDate: i.sessionDate });
    this.touched(nowMs);
    return { ...result, deliberationId: id };
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
    assertDate(i.publishedOn, 'publishedOn');
    this.assertAfterSession(i.publishedOn, 'publishedOn');
  }

  applyPublication(i: PublicationInput, nowMs: number): void {
    this.d.publication = { publishedOn: i.publishedOn, by: i.actor, at: new Date(nowMs).toISOString() };
    this.add(i.actor, 'PUBLISHED', `Délibération publiée le ${frLongDate(i.publishedOn)}${this.legalitySuffix()}`, nowMs, { ...this.meta(i), onDate: i.publishedOn });
    this.touched(nowMs);
  }

  validateTransmission(i: TransmissionInput): void {
    if (this.stage() !== 'AWAITING_LEGALITY' || this.d.transmission) {
      if (this.d.transmission) throw failure(FailureType.INVALID_TRANSITION, `The transmission is already recorded (transmitted on ${this.d.transmission.transmittedOn}).`);
      this.notAccepted('transmission');
    }
    assertDate(i.transmittedOn, 'transmittedOn');
    if (typeof i.acknowledgementRef !== 'string' || i.acknowledgementRef.trim() === '') throw failure(FailureType.BAD_INPUT, 'acknowledgementRef must name the préfecture acknowledgement.', { field: 'acknowledgementRef' });
    this.assertAfterSession(i.transmittedOn, 'transmittedOn');
  }

  applyTransmission(i: TransmissionInput, nowMs: number): void {
    this.d.transmission = { transmittedOn: i.transmittedOn, acknowledgementRef: i.acknowledgementRef, by: i.actor, at: new Date(nowMs).toISOString() };
    const summary = `Délibération transmise en préfecture le ${frLongDate(i.transmittedOn)} (accusé ${i.acknowledgementRef}) ; contrôle de légalité possible jusqu'au ${frLongDate(prefetWindowEndsOn(i.transmittedOn))}${this.legalitySuffix()}`;
    this.add(i.actor, 'TRANSMITTED', summary, nowMs, { ...this.meta(i), onDate: i.transmittedOn });
    this.touched(nowMs);
  }

  private legalitySuffix(): string {
    const e = this.enforceableOn;
    return e ? ` ; délibération exécutoire le ${frLongDate(e)}, signatures attendues` : '';
  }

  validateSignature(i: SignatureInput): void {
    if (this.stage() !== 'AWAITING_SIGNATURES') this.notAccepted('signature');
    if (i.party !== 'BENEFICIARY' && i.party !== 'STATE') throw failure(FailureType.BAD_INPUT, 'party must be BENEFICIARY or STATE.', { field: 'party' });
    const prior = this.d.signatures.find((s) => s.party === i.party);
    if (prior) throw failure(FailureType.INVALID_TRANSITION, `The ${i.party} party already signed (${prior.signatory}, ${prior.signedOn}); waiting for the other party's signature.`);
    assertDate(i.signedOn, 'signedOn');
    if (typeof i.signatory !== 'string' || i.signatory.trim() === '') throw failure(FailureType.BAD_INPUT, 'signatory must name who signed.', { field: 'signatory' });
    if (i.notifiedOn !== undefined && i.notifiedOn !== null) {
      assertDate(i.notifiedOn, 'notifiedOn');
      if (i.notifiedOn < i.signedOn) throw failure(FailureType.RULE_VIOLATION, `The signed convention cannot be notified on ${i.notifiedOn}, before it was signed (${i.signedOn}).`, { code: 'DATE_ORDER', field: 'notifiedOn' });
    }
    const e = this.enforceableOn!;
    if (i.signedOn < e) {
      throw failure(FailureType.RULE_VIOLATION, `The signature date ${i.signedOn} is before the deliberation became enforceable (${e}); the president signs under an enforceable deliberation.`, { code: 'DATE_ORDER' });
    }
    if (i.party === 'BENEFICIARY' && !this.adopted!.body.decisions.includes('AUTHORISE_SIGNATURE')) {
      throw failure(FailureType.RULE_VIOLATION, `The adopted deliberation (${this.adopted!.body.sessionDate}) does not decide AUTHORISE_SIGNATURE: the beneficiary's president is not authorised to sign.`, { code: 'NO_DECISION' });
    }
  }

  applySignature(i: SignatureInput, nowMs: number): void {
    this.d.signatures.push({ party: i.party, signatory: i.signatory, signedOn: i.signedOn, ...(i.notifiedOn ? { notifiedOn: i.notifiedOn } : {}), by: i.actor, at: new Date(nowMs).toISOString() });
    const notified = i.notifiedOn ? `, convention signée notifiée le ${frLongDate(i.notifiedOn)}` : '';
    this.add(i.actor, 'SIGNED', `Convention signée par ${PARTY_LABELS[i.party]} (${i.signatory}) le ${frLongDate(i.signedOn)}${notified}`, nowMs, { ...this.meta(i), onDate: i.signedOn });
    if (this.d.signatures.length === 2) {
      this.d.effectiveOn = this.d.signatures.map((s) => s.signedOn).reduce((a, b) => maxDate(a, b));
      this.d.startedBy = i.actor;
      this.add(i.actor, 'TOOK_EFFECT', `Convention en vigueur le ${frLongDate(this.d.effectiveOn)} (dernière signature) : ouverture des années ${this.years.join(', ')}`, nowMs, { onDate: this.d.effectiveOn });
    }
    this.touched(nowMs);
  }
}
