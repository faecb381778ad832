import { Controller, Get, Header, Injectable, type NestMiddleware } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Roles } from '../auth/decorators';
import { AppConfig } from '../config/env';
import { traceFields } from '../telemetry/tracing';

/** The API's Prometheus registry: HTTP counts and durations by route template (never by concrete URL). */
@Injectable()
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'pre_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'pre_http_request_duration_seconds',
    help: 'HTTP request duration by method and route template',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pre_api_' });
  }
}

/** Route template of a handled request (`/parcours/:dossierId`), so metrics never carry a dossier id. */
export function routeTemplate(req: Request): string {
  const route = (req as Request & { route?: { path?: string } }).route?.path;
  return route ? `${req.baseUrl ?? ''}${route}` : 'unmatched';
}

/** Request id, one JSON log line per request (no body, no query values), and the metrics. */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  private readonly logRequests: boolean;

  constructor(
    private readonly metrics: HttpMetrics,
    config: AppConfig,
  ) {
    // one info line per request; LOG_LEVEL=warn or error keeps only failures
    this.logRequests = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'log';
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    const trace = traceFields(); // the request's span is active here (tracing on)
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req);
      this.metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.metrics.duration.observe({ method: req.method, route }, seconds);
      if (route === '/metrics' || route.startsWith('/health')) return;
      if (!this.logRequests && res.statusCode < 500) return;
      process.stdout.write(
        JSON.stringify({
          level: res.statusCode >= 500 ? 'error' : 'info',
          time: new Date().toISOString(),
          context: 'HTTP',
          msg: 'request',
          requestId,
          ...trace,
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          caller: (req as Request & { caller?: { sub: string } }).caller?.sub,
        }) + '\n',
      );
    });
    next();
  }
}

/**
 * API.md: every path but /health/*, /docs* and /codec/* needs a token — the scraper too (Prometheus:
 * `authorization: { credentials_file: … }` with a token of the admin or supervisor role).
 */
@ApiExcludeController()
@Roles('admin', 'supervisor')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: HttpMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
