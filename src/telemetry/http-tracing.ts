/**
 * The API's HTTP server span, the root of a request's trace (or the child of an incoming W3C `traceparent`). A
 * middleware rather than @opentelemetry/instrumentation-http: no module patching (which jest's module registry
 * defeats), and full control of what a span says — the method, the route template (`/parcours/:dossierId`, never the
 * URL: no query string, no id) and the status; never a header value or a body.
 */
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { routeTemplate } from '../metrics/metrics';
import { activeTracing, flushTracing } from './tracing';

/** Paths polled by probes and scrapers: no trace (they would drown the useful ones). */
function untraced(path: string): boolean {
  return path === '/metrics' || path.startsWith('/health');
}

/** The middleware, first of all; undefined when tracing is off. */
export function httpTracing(): RequestHandler | undefined {
  if (!activeTracing()) return undefined;
  const tracer = trace.getTracer('pre-orchestrator-http');
  return (req: Request, res: Response, next: NextFunction) => {
    if (untraced(req.path)) return next();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
    const ctx = trace.setSpan(parent, span);
    // the request's stream events (the body parser's 'data'/'end') run in the request's context, not the socket's
    context.bind(ctx, req);
    context.bind(ctx, res);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routeTemplate(req);
      const status = res.statusCode;
      span.updateName(route === 'unmatched' ? req.method : `${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(ctx, next);
  };
}

/** The API's shutdown hook: the spans still buffered are sent before the process exits. */
@Injectable()
export class TracingFlush implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await flushTracing().catch(() => undefined);
  }
}
