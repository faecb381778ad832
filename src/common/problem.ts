import { HttpException } from '@nestjs/common';

/** An RFC 9457 problem document, as every error of the API is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** Validation errors: one entry per bad field. */
  errors?: Array<{ field: string; message: string }>;
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Problem type URIs are stable identifiers clients may switch on. */
export function problemType(slug: string): string {
  return `urn:pre-orchestrator:problem:${slug}`;
}

export function problem(status: number, slug: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: problemType(slug), title: TITLES[status] ?? 'Error', status, detail, ...extra };
}

/** Throw this from controllers and services: the global filter answers it as problem+json. */
export class ProblemException extends HttpException {
  constructor(readonly problemBody: Problem, readonly headers: Record<string, string> = {}) {
    super(problemBody, problemBody.status);
  }
  static of(status: number, slug: string, detail: string, extra: Record<string, unknown> = {}): ProblemException {
    return new ProblemException(problem(status, slug, detail, extra));
  }
}
