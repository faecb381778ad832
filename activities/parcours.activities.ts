import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { releaseChildRegistry } from './child-registry';
import type { IsoDate } from '../workflows/shared/calendar';
import { eligibilityOf } from '../workflows/parcours/parcours.rules';
import type { EligibilityRecord } from '../workflows/parcours/parcours.contract';

/** What the parcours activities need: the worker's configured eligibility rule (PRE_ELIGIBLE_QPVS, PRE_ELIGIBILITY_RULE_VERSION). */
export interface ParcoursActivityDeps {
  /** Eligible QPV codes of the worker's configuration; when absent, the list carried by the workflow input is used. */
  eligibleQpvs?: string[];
  /** Version tag of that list. */
  eligibilityRuleVersion?: string;
  /** A Temporal client on the worker's connection (the release of a child's registry). */
  temporalClient?: Client;
}

/** Input of `releaseChildRegistry`: the fingerprint (no personal data) and the closing case. */
export interface ReleaseChildRegistryInput {
  childKey: string;
  dossierId: string;
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

    /** A closing case releases its child's registry (signal-with-start: see activities/child-registry.ts). */
    async releaseChildRegistry(input: ReleaseChildRegistryInput): Promise<void> {
      if (!deps.temporalClient) throw ApplicationFailure.create({ type: 'Misconfigured', message: 'This worker has no Temporal client for the child registry.', nonRetryable: true });
      await releaseChildRegistry(deps.temporalClient, Context.current().info.taskQueue, input.childKey, input.dossierId);
    },
  };
}
