import { log } from '@temporalio/activity';
import type { IsoDate } from '../workflows/shared/calendar';
import { eligibilityOf } from '../workflows/parcours/parcours.rules';
import type { EligibilityRecord } from '../workflows/parcours/parcours.contract';

/** What the parcours activities need: the worker's configured eligibility rule (PRE_ELIGIBLE_QPVS, PRE_ELIGIBILITY_RULE_VERSION). */
export interface ParcoursActivityDeps {
  /** Eligible QPV codes of the worker's configuration; when absent, the list carried by the workflow input is used. */
  eligibleQpvs?: string[];
  /** Version tag of that list. */
  eligibilityRuleVersion?: string;
}

/** Input of `checkEligibility` (personal data travels in the payload only, encrypted by the data converter). */
export interface CheckEligibilityInput {
  dossierId: string;
  birthDate: IsoDate;
  referredOn: IsoDate;
  qpv: string;
  /** The workflow's settings, used when the worker has no configured list. */
  eligibleQpvs: string[];
  ruleVersion: string;
}

/** Activities of the parcours workflow. */
export function createParcoursActivities(deps: ParcoursActivityDeps) {
  return {
    /**
     * Checks eligibility (age 2–16 on the referral date, eligible QPV) against the configured QPV list and
     * records the rule version. An activity, not workflow code, so that a new list applies to new checks
     * without touching the histories of running cases.
     */
    async checkEligibility(input: CheckEligibilityInput): Promise<Omit<EligibilityRecord, 'derogation'>> {
      const configured = deps.eligibleQpvs && deps.eligibleQpvs.length > 0;
      const eligibleQpvs = configured ? deps.eligibleQpvs! : input.eligibleQpvs;
      const ruleVersion = configured ? (deps.eligibilityRuleVersion ?? input.ruleVersion) : input.ruleVersion;
      const outcome = eligibilityOf({ birthDate: input.birthDate, referredOn: input.referredOn, qpv: input.qpv, eligibleQpvs, ruleVersion });
      log.info('eligibility checked', { dossierId: input.dossierId, eligible: outcome.eligible, ruleVersion });
      return { ...outcome, qpv: input.qpv, checkedAt: new Date().toISOString() };
    },
  };
}
