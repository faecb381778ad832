import { FailureType } from '../../workflows/shared/failures';
import { problemType } from '../common/problem';

/**
 * Every problem `type` the API answers, with its status (RFC 9457 `type` URIs, stable: clients switch on them).
 * test/unit/openapi.spec.ts reads src/ for each slug given to problem()/ProblemException.of() and fails when one
 * is missing here, so the document's list stays whole.
 */
export const PROBLEM_SLUGS: Record<string, { status: number; meaning: string }> = {
  validation: { status: 400, meaning: 'a field, query parameter, path parameter or header is invalid; `errors` lists each' },
  'invalid-json': { status: 400, meaning: 'the body is not JSON' },
  'forbidden-key': { status: 400, meaning: 'the body holds __proto__, constructor or prototype' },
  'bad-request': { status: 400, meaning: 'the body cannot be read' },
  'payload-not-decodable': { status: 400, meaning: 'codec: a payload cannot be decrypted' },
  'bad-input': { status: 400, meaning: 'the workflow refuses the input shape' },
  unauthorized: { status: 401, meaning: 'no valid bearer token' },
  forbidden: { status: 403, meaning: 'not allowed' },
  'forbidden-role': { status: 403, meaning: 'the caller holds none of the roles of the operation' },
  'not-assigned': { status: 403, meaning: 'a référent on a case not assigned to them' },
  'namespace-not-served': { status: 403, meaning: 'codec: another Temporal namespace' },
  'origin-not-allowed': { status: 403, meaning: 'codec: a browser origin other than the Temporal UI' },
  'not-found': { status: 404, meaning: 'no such record (case, convention, year, objective, action, route)' },
  'schedule-not-found': { status: 404, meaning: 'no such schedule' },
  'already-exists': { status: 409, meaning: 'a record with this identifier exists' },
  closed: { status: 409, meaning: 'the case or convention is closed' },
  duplicate: { status: 409, meaning: 'a duplicate (an open case for the child, a payment reference)' },
  'invalid-transition': { status: 409, meaning: 'the stage does not accept this change' },
  conflict: { status: 409, meaning: 'a conflict with the current amounts or state' },
  purged: { status: 410, meaning: 'the case was closed and its personal data purged' },
  'payload-too-large': { status: 413, meaning: 'the body is over 100 kB' },
  'unsupported-media-type': { status: 415, meaning: 'the body is not JSON' },
  'unsupported-charset': { status: 415, meaning: 'the body is JSON in another charset than UTF-8' },
  'rule-violation': { status: 422, meaning: 'a domain rule refuses the change (the detail says which)' },
  'invalid-range': { status: 422, meaning: 'a date range ends before it starts' },
  'range-too-long': { status: 422, meaning: 'a date range is too long' },
  'unknown-meeting': { status: 422, meaning: 'a team review names an EPS meeting that is not recorded' },
  'secrecy-charter-not-read': { status: 422, meaning: 'a team review names an EPS meeting where the shared-secrecy charter was not read out' },
  'idempotency-key-reused': { status: 422, meaning: 'the Idempotency-Key was already used for another request (another endpoint or body)' },
  'too-many-requests': { status: 429, meaning: 'rate limit reached; Retry-After says when to come back' },
  internal: { status: 500, meaning: 'a bug; it has been logged' },
  configuration: { status: 500, meaning: 'the service is misconfigured' },
  'temporal-unavailable': { status: 503, meaning: 'Temporal does not answer; retry' },
  'temporal-busy': { status: 503, meaning: 'Temporal is busy; retry' },
  'temporal-starting': { status: 503, meaning: 'Temporal does not use a search attribute registered moments ago yet; retry' },
  'no-worker': { status: 503, meaning: 'no worker polls the task queue; retry' },
  'missing-prerequisites': { status: 503, meaning: 'the Temporal namespace or a search attribute the service needs is missing; "missing" names each one and the command that adds it' },
  'worker-timeout': { status: 504, meaning: 'the workflow did not answer in time; retry with the same Idempotency-Key' },
  'temporal-timeout': { status: 504, meaning: 'Temporal did not answer in time; retry with the same Idempotency-Key' },
};

/** Domain failure types become slugs as the problem filter writes them (InvalidTransition → invalid-transition). */
export const FAILURE_SLUGS = Object.values(FailureType).map((t) => t.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase());

/** The problem+json schema of every error answer (RFC 9457). */
export function problemSchema(): Record<string, unknown> {
  const list = Object.entries(PROBLEM_SLUGS)
    .map(([slug, { status, meaning }]) => `- \`${problemType(slug)}\` (${status}): ${meaning}`)
    .join('\n');
  return {
    type: 'object',
    description: `An error, as RFC 9457 problem details (Content-Type: application/problem+json). The types:\n${list}`,
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', pattern: '^urn:pre-orchestrator:problem:[a-z0-9-]+$', example: problemType('validation') },
      title: { type: 'string', example: 'Bad Request' },
      status: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
      detail: { type: 'string', example: 'The request is invalid: child.birthDate.' },
      instance: { type: 'string', example: '/parcours' },
      errors: {
        type: 'array',
        description: 'Validation problems: one entry per bad field',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string', example: 'child.birthDate' }, message: { type: 'string' } },
        },
      },
      failureType: { type: 'string', description: 'The domain failure type behind a 404/409/422 (InvalidTransition, RuleViolation, …)' },
    },
    additionalProperties: true,
  };
}
