/**
 * Failure types shared by every workflow. Domain errors travel as ApplicationFailure with one of these
 * `type`s (classes do not survive serialisation); the API maps each type to an HTTP status in
 * src/temporal/failure-status.ts.
 */
import { ApplicationFailure } from '@temporalio/common';

export const FailureType = {
  /** The current stage does not accept this action (→ 409). */
  INVALID_TRANSITION: 'InvalidTransition',
  /** The case or convention is closed and accepts no change (→ 409). */
  CLOSED: 'Closed',
  /** The caller may not change this record: a référent on a case followed by another (→ 403). */
  NOT_ASSIGNED: 'NotAssigned',
  /** A duplicate of something that exists (→ 409). */
  DUPLICATE: 'Duplicate',
  /** A conflict with the current amounts or state, e.g. a payment over the remaining amount (→ 409). */
  CONFLICT: 'Conflict',
  /** A domain rule refuses the input: dates out of order, missing motive, inconsistent counts (→ 422). */
  RULE_VIOLATION: 'RuleViolation',
  /** An Idempotency-Key already used for another request: another endpoint or another body (→ 422, IETF draft). */
  IDEMPOTENCY_KEY_REUSED: 'IdempotencyKeyReused',
  /** A referenced item (objective, action, year) does not exist (→ 404). */
  NOT_FOUND: 'NotFound',
  /** Malformed input the API should have caught (→ 400). */
  BAD_INPUT: 'BadInput',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * A non-retryable domain failure: an update validator throws it, the API answers its `type`'s status with the
 * message as `detail` and `details` spread into the problem body.
 */
export function failure(type: FailureType, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });
}
