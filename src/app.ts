import 'reflect-metadata';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { HttpMetrics, RequestLogMiddleware } from './metrics/metrics';
import { problem, PROBLEM_CONTENT_TYPE } from './common/problem';
import { validationPipe } from './common/validation';
import { dateWindowFrom } from './config/dates.env';
import { buildOpenApiDocument } from './openapi/document';
import type { AppConfig } from './config/env';
import { httpTracing } from './telemetry/http-tracing';
import { traceFields } from './telemetry/tracing';

const LEVELS: Record<AppConfig['LOG_LEVEL'], LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  log: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/** Nest's console logger, with the trace id of the active span on each line while tracing is on (README, Tracing). */
class TracingConsoleLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: Parameters<ConsoleLogger['getJsonLogObject']>[1]): ReturnType<ConsoleLogger['getJsonLogObject']> {
    return { ...super.getJsonLogObject(message, options), ...traceFields() };
  }

  protected override formatContext(context: string): string {
    const { traceId } = traceFields();
    return super.formatContext(context) + (traceId ? `[trace ${traceId}] ` : '');
  }
}

/** The process logger: structured JSON lines (or plain text with LOG_JSON=false). */
export function createLogger(config: AppConfig): ConsoleLogger {
  return new TracingConsoleLogger({ json: config.LOG_JSON, logLevels: LEVELS[config.LOG_LEVEL], colors: !config.LOG_JSON });
}

/** Where a ForbiddenKeyError keeps its key: body-parser deletes the own string-named properties of a parse error. */
const FORBIDDEN_KEY = Symbol('forbiddenKey');

class ForbiddenKeyError extends Error {
  readonly [FORBIDDEN_KEY]: string;
  constructor(key: string) {
    super(`forbidden key ${key}`);
    this[FORBIDDEN_KEY] = key;
  }
}

function sendProblem(res: Response, status: number, slug: string, detail: string): void {
  res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem(status, slug, detail)));
}

/** Whether a path belongs to the Swagger UI (its page, assets and the OpenAPI JSON): no personal data there. */
function isDocs(path: string): boolean {
  return path === '/docs' || path.startsWith('/docs/') || path === '/docs-json';
}

/**
 * Security headers (helmet) and caching: the API answers JSON only, so its policy forbids everything a page could
 * load or frame; the Swagger UI at /docs gets the relaxation its inline scripts and styles need, there only. Every
 * answer but the docs' says `Cache-Control: no-store` (case data must stay out of browser and proxy caches).
 */
export function securityHeaders(): RequestHandler {
  const api = helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } } });
  const docs = helmet({
    contentSecurityPolicy: {
      directives: { scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:', 'https://validator.swagger.io'] },
    },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    if (isDocs(req.path)) return docs(req, res, next);
    res.setHeader('Cache-Control', 'no-store');
    return api(req, res, next);
  };
}

/** Builds the API (not listening): body limits, validation, errors as problem+json, OpenAPI at /docs. */
export async function createApp(config: AppConfig, logger = createLogger(config)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), { bodyParser: false, logger });
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (config.PRE_TRUST_PROXY) app.set('trust proxy', config.PRE_TRUST_PROXY); // the client address of rate limits and the decode audit
  // First of all: the request's trace (tracing on), then a request id and a log line for every request, those
  // refused before routing (415, 413, bad JSON) too.
  const tracing = httpTracing();
  if (tracing) app.use(tracing);
  const requestLog = new RequestLogMiddleware(app.get(HttpMetrics), config);
  app.use((req: Request, res: Response, next: NextFunction) => requestLog.use(req, res, next));
  app.use(securityHeaders());
  // Bodies are JSON only, at most 100 kB; parser errors become problem+json here, before Nest routing.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is(['application/json', 'application/*+json'])) {
      if (req.path.startsWith('/codec/')) return next();
      return sendProblem(res, 415, 'unsupported-media-type', 'The request body must be JSON (Content-Type: application/json).');
    }
    // JSON is UTF-8 (RFC 8259 §8.1): any other declared charset is refused, not decoded
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (hasBody && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && !req.path.startsWith('/codec/')) {
      return sendProblem(res, 415, 'unsupported-charset', 'The request body must be UTF-8 JSON (Content-Type: application/json; charset=utf-8, or no charset).');
    }
    next();
  });
  app.use(
    express.json({
      limit: '100kb',
      type: ['application/json', 'application/*+json'],
      strict: true,
      // keys that reach object prototypes are refused outright rather than silently dropped
      reviver: (key: string, value: unknown) => {
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new ForbiddenKeyError(key);
        return value;
      },
    }),
  );
  app.use((err: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err?.type === 'entity.too.large') return sendProblem(res, 413, 'payload-too-large', 'The request body is over 100 kB.');
    if (err instanceof ForbiddenKeyError) return sendProblem(res, 400, 'forbidden-key', `The request body may not contain the key "${err[FORBIDDEN_KEY]}".`);
    // JSON nested deeper than the parser's stack (tens of thousands of levels) is refused as what it is
    if (err?.type === 'entity.parse.failed' && err instanceof RangeError) return sendProblem(res, 400, 'validation', 'The request nests objects or arrays too deep to be read (at most 8 levels).');
    if (err?.type === 'entity.parse.failed') return sendProblem(res, 400, 'invalid-json', 'The request body is not valid JSON.');
    if (err?.status && err.status >= 400 && err.status < 500) return sendProblem(res, err.status, 'bad-request', 'The request body cannot be read.');
    next(err);
  });
  app.useGlobalPipes(validationPipe(dateWindowFrom(config)));

  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  return app;
}
