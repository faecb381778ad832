/**
 * `GET /conventions/{ref}/ledger` (issue 15 item 11): every amount of a convention that an accountant reconciles
 * against the Treasury — granted, requested, received, reduced or rejected by the State, to repay and repaid — per
 * year, with its date and reference, the totals, and whether what was finally kept (received − repaid) is what the
 * State owes (`balanced`, to the cent). Built from the convention's and its years' views; the CSV follows the
 * indicators' conventions (src/reports/csv.ts: `;`, UTF-8 with BOM, CRLF, decimal comma, euros with two decimals).
 */
import type { ConventionView, FundingYearView, IsoDate } from '../../workflows/convention/convention.contract';
import { CSV_BOM, CSV_SEPARATOR, csvValue } from '../reports/csv';

export const LEDGER_KINDS = ['GRANTED', 'REQUESTED', 'RECEIVED', 'BALANCE_REDUCED', 'EXPENSES_REJECTED', 'TO_REPAY', 'REPAID'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export const LEDGER_KIND_LABELS: Record<LedgerKind, string> = {
  GRANTED: 'accordé',
  REQUESTED: 'demandé',
  RECEIVED: 'reçu',
  BALANCE_REDUCED: 'solde réduit',
  EXPENSES_REJECTED: 'dépenses rejetées',
  TO_REPAY: 'à reverser',
  REPAID: 'reversé',
};

export interface LedgerEntry {
  year: number;
  kind: LedgerKind;
  /** The act's date (null: a grant not authorised yet). */
  on: IsoDate | null;
  reference: string | null;
  amountCents: number;
  /** TO_REPAY: when the repayment is due. */
  dueOn?: IsoDate;
}

export interface LedgerTotals {
  grantedCents: number;
  requestedCents: number;
  receivedCents: number;
  reducedCents: number;
  rejectedCents: number;
  toRepayCents: number;
  repaidCents: number;
  /** Received − repaid: what the beneficiary keeps. */
  keptCents: number;
  /** What the State owes in the end (years whose report is in). */
  owedCents: number;
  /** kept − owed: 0 when the money balances to the cent (years whose report is in). */
  differenceCents: number;
}

export interface LedgerYear extends LedgerTotals {
  year: number;
  stage: string;
  closedOn: IsoDate | null;
  /** The year's report is in and kept = owed. */
  balanced: boolean;
  entries: LedgerEntry[];
}

export interface Ledger {
  reference: string;
  years: LedgerYear[];
  totals: LedgerTotals & { balanced: boolean };
}

function grantReference(ref: string, y: FundingYearView): string {
  const a = y.authorisation.current;
  if (!a) return `Convention ${ref}`;
  if (a.kind === 'AWARD_NOTICE') return a.awardNotice ?? 'Avis d’attribution';
  if (a.deliberationNumber) return `Délibération n° ${a.deliberationNumber}`;
  return a.fromConventionDeliberation ? `Délibération ${a.deliberationId} de la convention ${ref}` : `Délibération ${a.deliberationId}`;
}

/** One year's entries, oldest first, and its totals. */
export function ledgerYear(ref: string, y: FundingYearView): LedgerYear {
  const entries: LedgerEntry[] = [{ year: y.year, kind: 'GRANTED', on: y.authorisation.current?.on ?? null, reference: grantReference(ref, y), amountCents: y.grantedCents }];
  if (y.request.sentOn) entries.push({ year: y.year, kind: 'REQUESTED', on: y.request.sentOn, reference: null, amountCents: y.request.amountCents ?? y.grantedCents });
  for (const p of y.payments) entries.push({ year: y.year, kind: 'RECEIVED', on: p.receivedOn, reference: p.reference, amountCents: p.amountCents });
  for (const s of y.settlements) {
    const kind: LedgerKind = s.decision === 'REPAYMENT_ORDERED' ? 'TO_REPAY' : s.decision;
    entries.push({ year: y.year, kind, on: s.decidedOn, reference: s.reference, amountCents: s.amountCents, ...(s.dueOn ? { dueOn: s.dueOn } : {}) });
  }
  for (const r of y.repayments) entries.push({ year: y.year, kind: 'REPAID', on: r.repaidOn, reference: r.reference, amountCents: r.amountCents });
  const sum = (k: LedgerKind) => entries.filter((e) => e.kind === k).reduce((a, e) => a + e.amountCents, 0);
  const kept = sum('RECEIVED') - sum('REPAID');
  const owed = y.reconciliation.expectedCents;
  return {
    year: y.year,
    stage: y.stage,
    closedOn: y.closedOn,
    grantedCents: y.grantedCents,
    requestedCents: sum('REQUESTED'),
    receivedCents: sum('RECEIVED'),
    reducedCents: sum('BALANCE_REDUCED'),
    rejectedCents: sum('EXPENSES_REJECTED'),
    toRepayCents: sum('TO_REPAY'),
    repaidCents: sum('REPAID'),
    keptCents: kept,
    owedCents: owed ?? 0,
    differenceCents: owed === null ? 0 : kept - owed,
    balanced: owed !== null && kept === owed,
    entries: entries.sort((a, b) => (a.on ?? '') .localeCompare(b.on ?? '')),
  };
}

/** The convention's ledger from its view and each year's. */
export function buildLedger(convention: ConventionView, years: FundingYearView[]): Ledger {
  const ys = years.map((y) => ledgerYear(convention.reference, y)).sort((a, b) => a.year - b.year);
  const total = (k: keyof LedgerTotals) => ys.reduce((a, y) => a + y[k], 0);
  return {
    reference: convention.reference,
    years: ys,
    totals: {
      grantedCents: total('grantedCents'),
      requestedCents: total('requestedCents'),
      receivedCents: total('receivedCents'),
      reducedCents: total('reducedCents'),
      rejectedCents: total('rejectedCents'),
      toRepayCents: total('toRepayCents'),
      repaidCents: total('repaidCents'),
      keptCents: total('keptCents'),
      owedCents: total('owedCents'),
      differenceCents: total('differenceCents'),
      balanced: ys.every((y) => y.balanced),
    },
  };
}

export const LEDGER_CSV_HEADER = ['année', 'date', 'nature', 'référence', 'montant', 'échéance'];

const TOTAL_ROWS: Array<[keyof LedgerTotals, string]> = [
  ['grantedCents', 'total accordé'],
  ['requestedCents', 'total demandé'],
  ['receivedCents', 'total reçu'],
  ['reducedCents', 'total solde réduit'],
  ['rejectedCents', 'total dépenses rejetées'],
  ['toRepayCents', 'total à reverser'],
  ['repaidCents', 'total reversé'],
  ['keptCents', 'conservé (reçu − reversé)'],
  ['owedCents', "dû par l'État"],
  ['differenceCents', 'écart'],
];

function field(s: string): string {
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The ledger as CSV: one row per entry (oldest first within each year), then the totals of each year and of the convention. */
export function ledgerCsv(l: Ledger): string {
  const row = (cells: string[]) => cells.map(field).join(CSV_SEPARATOR);
  const euros = (cents: number) => csvValue(cents, 'cents');
  const lines = [row(LEDGER_CSV_HEADER)];
  for (const y of l.years) {
    for (const e of y.entries) lines.push(row([String(e.year), e.on ?? '', LEDGER_KIND_LABELS[e.kind], e.reference ?? '', euros(e.amountCents), e.dueOn ?? '']));
  }
  for (const y of l.years) for (const [k, label] of TOTAL_ROWS) lines.push(row([String(y.year), '', label, '', euros(y[k]), '']));
  const span = l.years.length > 0 ? `${l.years[0].year}-${l.years[l.years.length - 1].year}` : '';
  for (const [k, label] of TOTAL_ROWS) lines.push(row([span, '', label, '', euros(l.totals[k]), '']));
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
