import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Request, Response } from 'express';
import { FAILURE_STATUS } from '../temporal/failure-status';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException, type Problem } from './problem';

const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 };

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

function slug(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Translates anything thrown in the API into one problem+json answer (STYLE.md error table). */
export function toProblem(err: unknown): { body: Problem; headers: Record<string, string> } {
  if (err instanceof ProblemException) return { body: err.problemBody, headers: err.headers };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? err.message);
    return { body: problem(status, slug(err.name.replace(/Exception$/, '')), Array.isArray(message) ? message.join('; ') : String(message)), headers: {} };
  }
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
  return { body: problem(500, 'internal', 'An unexpected error occurred. It has been logged.'), headers: {} };
}

/** The one exception filter of the API: every error leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const { body, headers } = toProblem(err);
    if (body.status >= 500) {
      // the message and stack may name fields, never values: request bodies are not logged
      this.logger.error({ msg: 'request failed', requestId: req.headers['x-request-id'], status: body.status, error: (err as Error)?.name, reason: (err as Error)?.message?.slice(0, 300) });
    }
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...body, instance: req.originalUrl?.split('?')[0] }));
  }
}
