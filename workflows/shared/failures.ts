/**
 * Failure types shared by every workflow. Domain errors travel as ApplicationFailure with one of these
 * `type`s (classes do not survive serialisation); the API maps each type to an HTTP status in
 * src/temporal/failure-status.ts.
 */
export const FailureType = {
  /** The current stage does not accept this action (→ 409). */
  INVALID_TRANSITION: 'InvalidTransition',
  /** The case or convention is closed and accepts no change (→ 409). */
  CLOSED: 'Closed',
  /** A duplicate of something that exists (→ 409). */
  DUPLICATE: 'Duplicate',
  /** A conflict with the current amounts or state, e.g. a payment over the remaining amount (→ 409). */
  CONFLICT: 'Conflict',
  /** A domain rule refuses the input: dates out of order, missing motive, inconsistent counts (→ 422). */
  RULE_VIOLATION: 'RuleViolation',
  /** A referenced item (objective, action, year) does not exist (→ 404). */
  NOT_FOUND: 'NotFound',
  /** Malformed input the API should have caught (→ 400). */
  BAD_INPUT: 'BadInput',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];
