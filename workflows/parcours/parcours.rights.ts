/**
 * The family's rights over the case's data (GDPR; DOMAIN.md "The family's rights"): rectification (art. 16) — a
 * partial correction of the child's and family's data, recorded as which fields changed, by whom and when (never the
 * values), that checks the eligibility again when the birth date or the QPV changes — and the record of each access
 * export (art. 15). Both are accepted at every stage once the eligibility is checked, a closed case included while
 * it still holds its data. Deterministic: "now" is always passed in.
 */
import { frDate, parisDateOf } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import { SYSTEM_ACTOR } from '../shared/messages';
import { blank, rule } from './parcours.case';
import type { ChildInput, DataExportInput, GuardianInput, RectificationInput } from './parcours.inputs';
import { ageBandOf, ageOn, eligibilityOf } from './parcours.rules';
import { CaseTransitions } from './parcours.transitions';

/** The one change that needs no motive: the school level, which changes each September. */
const SCHOOL_LEVEL = 'child.school.level';

/** Same value, compared as data (an absent field and `undefined` alike). */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The guardians as compared: each contact's fields, optional ones left out when absent. */
function guardiansText(list: readonly GuardianInput[]): string {
  return JSON.stringify(list.map((g) => [g.firstName, g.lastName, g.relationship, g.phone ?? null, g.email ?? null]));
}

/** A parcours' state with its transitions and the family's rights (parcours.state.ts adds the view). */
export class CaseRights extends CaseTransitions {
  /**
   * The fields a rectification changes (paths such as `child.address.city`), and the child as it would then be.
   * A field given with the value it already holds is no change.
   */
  protected rectified(i: RectificationInput): { fields: string[]; child: ChildInput } {
    const current = this.record.child;
    const fields: string[] = [];
    const child: ChildInput = JSON.parse(JSON.stringify(current)) as ChildInput;
    const p = i.child ?? {};
    for (const k of ['firstName', 'lastName', 'birthDate', 'sex', 'qpv'] as const) {
      if (p[k] !== undefined && p[k] !== null && !same(p[k], current[k])) {
        (child as unknown as Record<string, unknown>)[k] = p[k];
        fields.push(`child.${k}`);
      }
    }
    if (p.address) {
      for (const k of ['line1', 'line2', 'postcode', 'city'] as const) {
        const v = p.address[k];
        // null removes the second line only; elsewhere it is no value
        if (v === undefined || (v === null && k !== 'line2') || same(v, current.address[k])) continue;
        if (v === null) delete child.address.line2;
        else child.address[k] = v;
        fields.push(`child.address.${k}`);
      }
    }
    if (p.school) {
      const school = { ...(current.school ?? {}) } as NonNullable<ChildInput['school']>;
      let changed = false;
      for (const k of ['name', 'level', 'priorityEducation'] as const) {
        const v = p.school[k];
        if (v === undefined || v === null || same(v, current.school?.[k])) continue;
        (school as unknown as Record<string, unknown>)[k] = v;
        fields.push(`child.school.${k}`);
        changed = true;
      }
      if (changed) child.school = school;
    }
    if (i.guardians != null && guardiansText(i.guardians) !== guardiansText(this.record.guardians)) fields.push('guardians');
    return { fields, child };
  }

  validateRectification(i: RectificationInput): void {
    const r = this.record;
    if (r.stage === 'REFERRED') this.invalid('The eligibility of the referral is being checked: send the rectification again in a moment.');
    const { fields, child } = this.rectified(i);
    if (fields.length === 0) rule('Nothing to rectify: every field given already holds that value.', { field: 'child', code: 'NOTHING_TO_RECTIFY' });
    if (blank(i.motive) && !(fields.length === 1 && fields[0] === SCHOOL_LEVEL)) {
      rule(`A rectification needs its motive (the source of the corrected data); only a change of the school level alone (each September) goes without. Fields changed: ${fields.join(', ')}.`, { field: 'motive', code: 'RECTIFICATION_MOTIVE' });
    }
    if (child.school && (blank(child.school.name) || blank(child.school.level))) {
      rule('The child has no school recorded yet: a school needs its name and level.', { field: 'child.school' });
    }
    if (child.birthDate > r.referredOn) rule(`The birth date (${child.birthDate}) is after the referral date (${r.referredOn}).`, { field: 'child.birthDate' });
    if (i.guardians != null && (i.guardians.length === 0 || i.guardians.some((g) => blank(g.firstName) || blank(g.lastName)))) {
      rule('guardians names one to six family contacts, each with a first and last name.', { field: 'guardians' });
    }
  }

  applyRectification(i: RectificationInput, nowMs: number): void {
    const r = this.record;
    const { fields, child } = this.rectified(i);
    r.child = child;
    if (i.guardians != null) r.guardians = i.guardians.map((g) => ({ ...g }));
    if (i.childKey) r.childKey = i.childKey;
    if (fields.includes('child.birthDate')) {
      r.ageOnReferral = ageOn(child.birthDate, r.referredOn);
      r.ageBand = ageBandOf(r.ageOnReferral);
    }
    const recheck = r.stage !== 'CLOSED' && r.eligibility !== null && (fields.includes('child.birthDate') || fields.includes('child.qpv'));
    r.rectifications = [...(r.rectifications ?? []), { fields, ...(blank(i.motive) ? {} : { motive: i.motive }), ...(recheck ? { eligibilityRechecked: true } : {}), ...this.recorded(i, nowMs) }];
    const today = parisDateOf(nowMs);
    // field names only: the timeline (and whatever shows it) never holds the values
    this.addTimeline(i.actor, 'RECTIFIED', `Données rectifiées (art. 16 RGPD) : ${fields.join(', ')}${blank(i.motive) ? '' : ' ; motif consigné'}`, nowMs, today, i);
    if (recheck) this.recheckEligibility(nowMs, today);
  }

  /**
   * The eligibility checked again after a rectification (birth date, QPV), with the rule and QPV list the case
   * carries. A case that no longer meets it is not closed by the correction: the coordinator and the référent are
   * told, and decide (close it, or keep it with a written motive).
   */
  private recheckEligibility(nowMs: number, today: string): void {
    const r = this.record;
    const before = r.eligibility!;
    const outcome = eligibilityOf({ birthDate: r.child.birthDate, referredOn: r.referredOn, qpv: r.child.qpv, eligibleQpvs: this.settings.eligibleQpvs, ruleVersion: this.settings.eligibilityRuleVersion });
    r.eligibility = { ...before, ...outcome, qpv: r.child.qpv, recheckedAt: new Date(nowMs).toISOString() };
    const covered = !outcome.eligible && !!before.derogation;
    const verdict = outcome.eligible ? 'éligible' : covered ? 'non éligible, couvert par la dérogation accordée' : 'non éligible';
    this.addTimeline(SYSTEM_ACTOR, 'ELIGIBILITY_CHECKED', `Éligibilité revérifiée après rectification : ${verdict} (règle ${outcome.ruleVersion} ; ${outcome.reasons.join(', ')})`, nowMs, today);
    if (!outcome.eligible && !covered && before.eligible) {
      const seq = (r.rectifications ?? []).length;
      this.notify(
        'ELIGIBILITY_RECHECK',
        today,
        [this.settings.coordinatorId, r.referentId],
        'Éligibilité à revoir après rectification',
        `Après la rectification du ${frDate(today)}, l'orientation ne remplit plus les critères d'éligibilité du PRE (${outcome.reasons.join(', ')}). Décider : clore le dossier, ou le poursuivre en consignant le motif.`,
        `r${seq}`,
      );
    }
  }

  /** An access export is recorded at every stage (a closed case too, while it holds its data). */
  validateDataExport(i: DataExportInput): void {
    if (!i.actor?.sub) throw failure(FailureType.BAD_INPUT, 'An export names who asked for it.');
  }

  applyDataExport(i: DataExportInput, nowMs: number): void {
    this.addTimeline(i.actor, 'DATA_EXPORTED', "Export des données de l'enfant et de la famille (droit d'accès, art. 15 RGPD)", nowMs, parisDateOf(nowMs), i);
  }
}
