import { FailureType } from '../../workflows/shared/failures';

/** HTTP status for each domain failure type; a type missing here is a 500 (a bug, not a user error). */
export const FAILURE_STATUS: Record<string, number> = {
  [FailureType.INVALID_TRANSITION]: 409,
  [FailureType.CLOSED]: 409,
  [FailureType.DUPLICATE]: 409,
  [FailureType.CONFLICT]: 409,
  [FailureType.RULE_VIOLATION]: 422,
  [FailureType.NOT_FOUND]: 404,
  [FailureType.BAD_INPUT]: 400,
};
