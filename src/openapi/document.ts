/**
 * The OpenAPI document as the exact contract (issue 19): what @nestjs/swagger generates, refined in one pass from
 * the code's own metadata — the DTOs' class-validator decorators (what the pipe accepts), the routes' @Roles()
 * and @Public() (who may call, which refusals follow), the route's shape (body, path, query: which statuses it
 * can answer) — plus the OpenAPI links that let a client (or a fuzzer) follow a case or a convention through
 * its lifecycle. GET /docs-json serves it; `npm run openapi` writes docs/openapi.json from it.
 */
import type { INestApplication } from '@nestjs/common';
import { GUARDS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { IS_PUBLIC, ROLES_KEY } from '../auth/decorators';
import type { Role } from '../auth/roles';
import { PROBLEM_CONTENT_TYPE } from '../common/problem';
import { CODEC_SESSION_COOKIE } from '../privacy/codec-session';
import { rulesOf, validatedClasses, type DtoClass, type PropertyRules, type SchemaFragment } from './constraints';
import { problemSchema } from './problem-types';

type Json = Record<string, any>;

/** Nest's RouteParamtypes (enum values): which handler arguments come from the body, the query, the path. */
const ARG = { BODY: 3, QUERY: 4, PARAM: 5 } as const;

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid (body, query, path parameter or header): `errors` lists each field and what is wrong',
  401: 'No valid bearer token',
  403: 'The caller holds none of the roles of this operation (or, for a référent, the case is not theirs)',
  404: 'No such record',
  409: 'The current state refuses this change (stage, closed record, duplicate, amounts)',
  410: 'The case was closed and its personal data purged at the end of its retention',
  413: 'The body is over 100 kB',
  415: 'The body is not JSON',
  422: 'A domain rule the schema cannot express refuses it (dates out of order, missing motive, …)',
  429: 'Too many requests: wait as Retry-After says',
  503: 'Temporal (or its worker) is unavailable: retry shortly',
  504: 'The workflow did not answer in time; the change may still be applied: retry with the same Idempotency-Key',
};

interface Route {
  cls: DtoClass;
  handler: (...args: unknown[]) => unknown;
  method: string;
  roles?: Role[];
  isPublic: boolean;
  /** Public for the global guard but guarded by its own (the codec). */
  ownGuard: boolean;
  body?: DtoClass;
  query?: DtoClass;
  params?: DtoClass;
}

/** Every controller method by operationId (`Controller_method`, as @nestjs/swagger names them). */
function routes(app: INestApplication): Map<string, Route> {
  const out = new Map<string, Route>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as DtoClass | null;
      if (!cls) continue;
      for (const method of Object.getOwnPropertyNames(cls.prototype)) {
        const handler = cls.prototype[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        const args: Record<string, { index: number }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, cls, method) ?? {};
        const types: DtoClass[] = Reflect.getMetadata('design:paramtypes', cls.prototype, method) ?? [];
        const argOf = (kind: number): DtoClass | undefined => {
          const key = Object.keys(args).find((k) => k.split(':')[0] === String(kind));
          const t = key === undefined ? undefined : types[args[key].index];
          return t && (t as unknown) !== Object ? t : undefined;
        };
        out.set(`${cls.name}_${method}`, {
          cls,
          handler,
          method,
          roles: Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, cls),
          isPublic: Boolean(Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, cls)),
          ownGuard: Boolean((Reflect.getMetadata(GUARDS_METADATA, handler) ?? Reflect.getMetadata(GUARDS_METADATA, cls))?.length),
          body: argOf(ARG.BODY),
          query: argOf(ARG.QUERY),
          params: argOf(ARG.PARAM),
        });
      }
    }
  }
  return out;
}

/** Merges a validator's fragment into a property schema ($ref and allOf keep their own type). */
function merge(target: Json, fragment: SchemaFragment): void {
  const isRef = target.$ref !== undefined || target.allOf !== undefined || target.oneOf !== undefined;
  for (const [k, v] of Object.entries(fragment)) {
    if (isRef && k === 'type') continue;
    if (k === 'type' && target.enum !== undefined) continue;
    if (k === 'type' && target.type === 'integer' && v === 'number') continue;
    if (k === 'pattern' && target.pattern !== undefined && target.pattern !== v) {
      // two validators with a pattern (non-blank and clean text): the value must match both
      target.allOf = [...(target.allOf ?? []), { pattern: v }];
      continue;
    }
    target[k] = v;
  }
}

function applyRules(target: Json, rules: PropertyRules): void {
  merge(target, rules.value);
  if (Object.keys(rules.items).length > 0) {
    target.type = 'array';
    target.items = target.items ?? {};
    merge(target.items, rules.items);
  }
}

/** A list's nextPageToken is null on its last page (every list answers it so). */
function refineResponseSchemas(doc: OpenAPIObject): void {
  for (const schema of Object.values((doc.components?.schemas ?? {}) as Json)) {
    if (schema.properties?.nextPageToken) schema.properties.nextPageToken.nullable = true;
  }
}

/** Request schemas: each validated class's schema says exactly what the global ValidationPipe accepts. */
function refineSchemas(doc: OpenAPIObject): void {
  const schemas = (doc.components?.schemas ?? {}) as Json;
  for (const cls of validatedClasses()) {
    const schema = schemas[cls.name];
    if (!schema) continue;
    const rules = rulesOf(cls);
    schema.type = 'object';
    schema.properties = schema.properties ?? {};
    // whitelist + forbidNonWhitelisted: a property without a validator is refused, and so is any other
    for (const name of Object.keys(schema.properties)) if (!rules.has(name)) delete schema.properties[name];
    for (const [name, r] of rules) {
      schema.properties[name] = schema.properties[name] ?? {};
      applyRules(schema.properties[name], r);
      // an @IsOptional property may be absent or null (class-validator skips both); any other is never null
      if (r.nullable) {
        schema.properties[name].nullable = true;
        if (Array.isArray(schema.properties[name].enum) && !schema.properties[name].enum.includes(null)) schema.properties[name].enum.push(null);
      } else delete schema.properties[name].nullable;
    }
    const required = [...rules].filter(([, r]) => r.required).map(([n]) => n);
    if (required.length) schema.required = required;
    else delete schema.required;
    schema.additionalProperties = false;
  }
}

/** Query and path parameters: exploded from their DTO by @nestjs/swagger, constrained here from the same DTO. */
function refineParameters(op: Json, route: Route): void {
  // a body whose every field is optional may be left out (the pipe validates {} then)
  if (route.body && op.requestBody && ![...rulesOf(route.body).values()].some((r) => r.required)) op.requestBody.required = false;
  const byLocation: Array<['query' | 'path', DtoClass | undefined]> = [
    ['query', route.query],
    ['path', route.params],
  ];
  for (const [where, cls] of byLocation) {
    if (!cls) continue;
    const rules = rulesOf(cls);
    op.parameters = (op.parameters ?? []).filter((p: Json) => p.in !== where || rules.has(p.name));
    for (const [name, r] of rules) {
      let param = op.parameters.find((p: Json) => p.in === where && p.name === name);
      if (!param) {
        param = { name, in: where, schema: {} };
        op.parameters.push(param);
      }
      param.required = where === 'path' ? true : r.required;
      param.schema = param.schema ?? {};
      applyRules(param.schema, r);
    }
  }
}

function problemResponse(description: string): Json {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } };
}

/** The statuses an operation can answer, from its shape and guards. */
export function statusesOf(httpMethod: string, op: Json, route: Route): number[] {
  const statuses = new Set<number>([429]);
  const secured = !route.isPublic || route.ownGuard;
  const write = ['post', 'put', 'patch', 'delete'].includes(httpMethod);
  const params: Json[] = op.parameters ?? [];
  if (secured) statuses.add(401);
  if (route.roles || route.ownGuard) statuses.add(403);
  if (op.requestBody || write) statuses.add(400).add(413).add(415);
  if (params.some((p) => p.in === 'query' || p.in === 'path' || p.in === 'header')) statuses.add(400);
  if (params.some((p) => p.in === 'path')) statuses.add(404);
  // Node refuses a request line and headers over 16 kB before the app sees them (no body)
  if (params.some((p) => p.in === 'query')) statuses.add(431);
  const temporal = !route.isPublic || route.cls.name === 'HealthController';
  if (temporal && route.method !== 'live' && route.cls.name !== 'MeController') statuses.add(503);
  if (!route.isPublic && route.cls.name !== 'MeController') {
    statuses.add(504);
    if (write) statuses.add(409).add(422);
  }
  return [...statuses].sort((a, b) => a - b);
}

function refineResponses(httpMethod: string, op: Json, route: Route): void {
  op.responses = op.responses ?? {};
  for (const status of statusesOf(httpMethod, op, route)) {
    if (status === 431) {
      op.responses['431'] = { description: 'The request line and headers are over 16 kB (answered by Node, without a body)' };
      continue;
    }
    const existing = op.responses[String(status)];
    op.responses[String(status)] = problemResponse(existing?.description || DESCRIPTIONS[status]);
  }
  // statuses declared by a controller (410, 503 of /health/ready, …) are problem+json too
  for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
    if (Number(status) >= 400 && status !== '431') op.responses[status] = problemResponse(response.description || DESCRIPTIONS[Number(status)] || 'An error');
  }
  if (op.responses['429']) {
    op.responses['429'].headers = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } };
  }
}

/**
 * OpenAPI links: the creating operations name the ids that open the next ones, and a case's consent and EPS review
 * the step after them, so a client (and the fuzzer's stateful phase) can walk a case from its referral to its
 * actions and a convention from its creation.
 */
function addLinks(doc: OpenAPIObject): void {
  const ops: Array<{ path: string; method: string; op: Json }> = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) if (op && typeof op === 'object' && op.operationId) ops.push({ path, method, op });
  }
  const link = (from: Json, status: string, targets: typeof ops, parameters: (t: { path: string }) => Record<string, string>) => {
    const response = from.responses?.[status];
    if (!response) return;
    response.links = response.links ?? {};
    for (const t of targets) {
      response.links[t.op.operationId] = { operationId: t.op.operationId, parameters: parameters(t) };
    }
  };
  const find = (path: string, method: string) => ops.find((o) => o.path === path && o.method === method)?.op;
  const referral = find('/parcours', 'post');
  if (referral) {
    link(referral, '201', ops.filter((o) => o.path.startsWith('/parcours/{dossierId}') && !o.path.includes('{actionId}')), () => ({
      dossierId: '$response.body#/dossierId',
    }));
  }
  // the case's next step: a granted consent opens the EPS review, a validated review the first actions
  const nextSteps: Array<[from: string, to: string]> = [
    ['/parcours/{dossierId}/consent', '/parcours/{dossierId}/team-reviews'],
    ['/parcours/{dossierId}/team-reviews', '/parcours/{dossierId}/actions'],
  ];
  for (const [from, to] of nextSteps) {
    const source = find(from, 'post');
    const target = ops.filter((o) => o.path === to && o.method === 'post');
    if (source) link(source, '200', target, () => ({ dossierId: '$request.path.dossierId' }));
  }
  const scheduleAction = find('/parcours/{dossierId}/actions', 'post');
  if (scheduleAction) {
    link(scheduleAction, '201', ops.filter((o) => o.path.includes('{actionId}')), () => ({
      dossierId: '$request.path.dossierId',
      actionId: '$response.body#/actions/0/id',
    }));
  }
  const convention = find('/conventions', 'post');
  if (convention) {
    link(convention, '201', ops.filter((o) => o.path.startsWith('/conventions/{ref}')), (t) => ({
      ref: '$response.body#/reference',
      ...(t.path.includes('{year}') ? { year: '$response.body#/years/0/year' } : {}),
    }));
  }
}

/** The base document: title, description, bearer security. */
export function baseDocument(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('PRE Orchestrator')
    .setDescription(
      "Programme de Réussite Éducative of the CCAS de Dijon: children's parcours and the funding convention, " +
        'run as durable Temporal workflows. Errors are application/problem+json (RFC 9457). ' +
        'Each operation lists the roles that may call it (`x-roles`) and every status it can answer.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addCookieAuth(CODEC_SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: CODEC_SESSION_COOKIE, description: 'The codec session of POST /codec/session (codec paths only).' }, CODEC_SESSION_COOKIE)
    .addSecurityRequirements('bearer')
    .build();
}

/** Refines a generated document in place (exported for the test of its rules). */
export function refineDocument(doc: OpenAPIObject, app: INestApplication): OpenAPIObject {
  const byId = routes(app);
  refineSchemas(doc);
  refineResponseSchemas(doc);
  doc.components = doc.components ?? {};
  doc.components.schemas = { ...(doc.components.schemas ?? {}), Problem: problemSchema() };
  for (const item of Object.values(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      const route = op?.operationId ? byId.get(op.operationId) : undefined;
      if (!route) continue;
      refineParameters(op, route);
      refineResponses(method, op, route);
      if (route.isPublic && !route.ownGuard) op.security = [];
      if (route.roles) op['x-roles'] = route.roles;
    }
  }
  addLinks(doc);
  return doc;
}

/** The contract: @nestjs/swagger's document of the app, refined. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return refineDocument(SwaggerModule.createDocument(app, baseDocument()), app);
}
