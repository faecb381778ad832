import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { slug, temporalProblem } from '../temporal/failure-problem';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException, type Problem } from './problem';

/** Translates anything thrown in the API into one problem+json answer (STYLE.md error table). */
export function toProblem(err: unknown): { body: Problem; headers: Record<string, string> } {
  if (err instanceof ProblemException) return { body: err.problemBody, headers: err.headers };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? err.message);
    return { body: problem(status, slug(err.name.replace(/Exception$/, '')), Array.isArray(message) ? message.join('; ') : String(message)), headers: {} };
  }
  const fromTemporal = temporalProblem(err);
  if (fromTemporal) return fromTemporal;
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
      // and the cause's kind (a failed update's failure: its type and message, which name rules, never values)
      const cause = (err as { cause?: { name?: string; type?: string; message?: string } })?.cause;
      this.logger.error({
        msg: 'request failed',
        requestId: req.headers['x-request-id'],
        status: body.status,
        error: (err as Error)?.name,
        reason: (err as Error)?.message?.slice(0, 300),
        ...(cause ? { cause: `${cause.name ?? ''}${cause.type ? ` ${cause.type}` : ''}: ${String(cause.message ?? '').slice(0, 300)}` } : {}),
      });
    }
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...body, instance: req.originalUrl?.split('?')[0] }));
  }
}
