/**
 * The French words of the convention and its years, in one place: stages, parties, and the names the Temporal UI
 * shows (`CPO PRE 2024–2026`, static summaries). Public facts about the convention, no personal data.
 */
import type { ConventionStage, FundingYearStage, SignatureParty } from './convention.codes';
import type { ConventionTerms } from './convention.inputs';
import { frEuros } from './convention.rules';

/** Each stage of a convention (current details). */
export const CONVENTION_STAGE_LABELS: Record<ConventionStage, string> = {
  AWAITING_DELIBERATION: "en attente de la délibération du conseil d'administration",
  AWAITING_LEGALITY: 'délibération adoptée, publication et transmission en préfecture à enregistrer',
  AWAITING_SIGNATURES: 'en attente des signatures',
  IN_EFFECT: 'en vigueur',
  COMPLETED: 'achevée',
};

/** Each stage of a funding year (current details, summaries). */
export const YEAR_STAGE_LABELS: Record<FundingYearStage, string> = {
  NOT_STARTED: 'pas encore ouverte (convention non signée)',
  AWAITING_AUTHORISATION: "en attente de l'autorisation de recevoir la subvention",
  AWAITING_REQUEST: 'en attente de la demande de subvention',
  AWAITING_REPORT: 'en attente du compte rendu financier',
  REPORT_SUBMITTED: 'compte rendu financier remis, en attente de son acceptation',
  RECONCILING: 'compte rendu accepté, versements à solder',
  CLOSED: 'close',
};

/** Each party, as a sentence names it ("signée par l'État"). */
export const PARTY_LABELS: Record<SignatureParty, string> = { BENEFICIARY: 'le bénéficiaire', STATE: "l'État" };

/** `CPO PRE 2024–2026` from `CPO-PRE-2024-2026` (a reference without a year range gets the convention's years). */
export function conventionLabel(terms: Pick<ConventionTerms, 'reference' | 'years'>): string {
  const m = /^(.*?)-?(\d{4})-(\d{4})$/.exec(terms.reference);
  if (m) return `${m[1].replace(/-/g, ' ')} ${m[2]}–${m[3]}`.trim();
  const first = Math.min(...terms.years);
  const last = Math.max(...terms.years);
  return `${terms.reference.replace(/-/g, ' ')} ${first === last ? first : `${first}–${last}`}`;
}

/** The convention's static summary for the Temporal UI: `CPO PRE 2024–2026 · État / CCAS de Dijon · 200 000 €/an`. */
export function conventionStaticSummary(terms: Pick<ConventionTerms, 'reference' | 'years' | 'parties' | 'annualAmountCents'>): string {
  return `${conventionLabel(terms)} · État / ${terms.parties.beneficiary} · ${frEuros(terms.annualAmountCents)}/an`;
}

/** A year's static summary: `Année 2024 · CPO-PRE-2024-2026 · 200 000 €` (the parent passes it to `startChild`). */
export function fundingYearStaticSummary(reference: string, year: number, grantedCents: number): string {
  return `Année ${year} · ${reference} · ${frEuros(grantedCents)}`;
}
