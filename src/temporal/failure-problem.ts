/**
 * The one mapping from what Temporal answers to an HTTP problem (the global problem filter asks it for anything
 * thrown that is not already a problem): a domain failure of a workflow (ApplicationFailure of the project's types)
 * to its 4xx, a missing workflow to 404, a deadline to 504, an unreachable or busy server to 503.
 */
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { FailureType } from '../../workflows/shared/failures';
import { problem, type Problem } from '../common/problem';

/** HTTP status for each domain failure type; a type missing here is a 500 (a bug, not a user error). */
export const FAILURE_STATUS: Record<string, number> = {
  [FailureType.INVALID_TRANSITION]: 409,
  [FailureType.CLOSED]: 409,
  [FailureType.NOT_ASSIGNED]: 403,
  [FailureType.DUPLICATE]: 409,
  [FailureType.CONFLICT]: 409,
  [FailureType.RULE_VIOLATION]: 422,
  [FailureType.IDEMPOTENCY_KEY_REUSED]: 422,
  [FailureType.NOT_FOUND]: 404,
  [FailureType.BAD_INPUT]: 400,
};

const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 };

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/**
 * The server refused a search attribute the namespace has (readiness checked it) because one of its services does not
 * use it yet: "Namespace … has no mapping defined for search attribute …", "invalid search attribute: …".
 */
export function searchAttributesPropagating(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /has no mapping defined for search attribute|invalid search attribute: Pre[A-Za-z]+/.test(message)) return true;
  }
  return false;
}

/** `RuleViolation` → `rule-violation`: the problem type's slug. */
export function slug(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The problem answering a Temporal error, or undefined when `err` is not one this mapping knows. */
export function temporalProblem(err: unknown): { body: Problem; headers: Record<string, string> } | undefined {
  const failure = err instanceof WorkflowUpdateFailedError || err instanceof WorkflowFailedError ? err.cause : err;
  if (failure instanceof ApplicationFailure && failure.type) {
    const status = FAILURE_STATUS[failure.type];
    if (status) {
      const details = failure.details?.[0];
      const extra = details && typeof details === 'object' && !Array.isArray(details) ? (details as Record<string, unknown>) : {};
      return { body: problem(status, slug(failure.type), failure.message, { failureType: failure.type, ...extra }), headers: {} };
    }
  }
  if (err instanceof WorkflowNotFoundError) {
    return { body: problem(404, 'not-found', 'No such record.'), headers: {} };
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return { body: problem(409, 'already-exists', 'A record with this identifier already exists.'), headers: {} };
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return {
      body: problem(504, 'worker-timeout', 'The workflow did not answer in time; the change may still be applied. Retry with the same Idempotency-Key.'),
      headers: {},
    };
  }
  const code = grpcCode(err);
  if (searchAttributesPropagating(err)) {
    // registered moments ago: the server's services take their namespace's attributes from a cache refreshed every
    // few seconds (test/cluster/tls.spec.ts met it right after the admin job); nothing was started, retrying works
    return { body: problem(503, 'temporal-starting', 'The workflow service is still taking up its configuration. Retry shortly.'), headers: { 'Retry-After': '5' } };
  }
  if (code === GRPC.UNAVAILABLE || (err instanceof ServiceError && /connect|unavailable|ECONNREFUSED/i.test(err.message))) {
    return { body: problem(503, 'temporal-unavailable', 'The workflow service is unavailable. Retry shortly.'), headers: { 'Retry-After': '5' } };
  }
  if (err instanceof ServiceError && /^Failed to query Workflow/.test(err.message) && code !== GRPC.NOT_FOUND && code !== 3) {
    // a query needs a worker: none answered in time (worker down or restarting)
    return { body: problem(504, 'worker-timeout', 'No worker answered in time. Retry shortly.'), headers: { 'Retry-After': '5' } };
  }
  if (code === GRPC.DEADLINE_EXCEEDED) {
    return { body: problem(504, 'temporal-timeout', 'The workflow service did not answer in time. Retry with the same Idempotency-Key.'), headers: {} };
  }
  if (code === GRPC.NOT_FOUND) {
    return { body: problem(404, 'not-found', 'No such record.'), headers: {} };
  }
  if (code === GRPC.RESOURCE_EXHAUSTED) {
    return { body: problem(503, 'temporal-busy', 'The workflow service is busy. Retry shortly.'), headers: { 'Retry-After': '2' } };
  }
  return undefined;
}
