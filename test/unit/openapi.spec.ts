/**
 * The OpenAPI document is the contract (issue 19): the committed docs/openapi.json is what the app generates, and
 * the document keeps the properties clients and the contract test (scripts/contract.sh) rely on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { unmappedValidations, validatedClasses } from '../../src/openapi/constraints';
import { documentText, generateOpenApiDocument, OPENAPI_PATH } from '../../src/openapi/generate';
import { FAILURE_SLUGS, PROBLEM_SLUGS } from '../../src/openapi/problem-types';

type Json = Record<string, any>;

const ROOT = resolve(__dirname, '../..');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(doc: OpenAPIObject): Array<{ label: string; path: string; method: string; op: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ label: `${method.toUpperCase()} ${path}`, path, method, op: item[method] as Json })),
  );
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('the OpenAPI document (docs/openapi.json)', () => {
  let doc: OpenAPIObject;
  let text: string;

  beforeAll(async () => {
    doc = await generateOpenApiDocument();
    text = documentText(doc);
  });

  it('is committed as the app generates it (run `npm run openapi` after a contract change)', () => {
    expect(readFileSync(join(ROOT, OPENAPI_PATH), 'utf8')).toBe(text);
  });

  it('declares on every operation the problem+json statuses it can answer', () => {
    const missing: string[] = [];
    for (const { label, op, method } of operations(doc)) {
      const declared = new Set(Object.keys(op.responses));
      const expected = ['429'];
      if (op.security?.length !== 0) expected.push('401');
      if (op['x-roles']) expected.push('403');
      if (op.requestBody || method !== 'get') expected.push('400', '413', '415');
      if ((op.parameters ?? []).some((p: Json) => p.in === 'path')) expected.push('404');
      if (op['x-roles'] && method !== 'get') expected.push('409', '422', '503', '504');
      for (const s of expected) if (!declared.has(s)) missing.push(`${label} ${s}`);
      for (const [status, response] of Object.entries(op.responses as Json)) {
        if (Number(status) < 400 || status === '431') continue;
        if (response.content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/Problem') missing.push(`${label} ${status} not problem+json`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('closes every request body schema (additionalProperties: false), nested ones too', () => {
    const schemas = doc.components!.schemas as Json;
    const seen = new Set<string>();
    const open: string[] = [];
    const visit = (schema: Json | undefined, where: string): void => {
      if (!schema || typeof schema !== 'object') return;
      if (schema.$ref) {
        const name = String(schema.$ref).split('/').pop()!;
        if (seen.has(name)) return;
        seen.add(name);
        return visit(schemas[name], name);
      }
      if (schema.type === 'object' && schema.properties && schema.additionalProperties !== false) open.push(where);
      for (const key of ['items', 'allOf', 'oneOf', 'anyOf']) {
        const sub = schema[key];
        for (const s of Array.isArray(sub) ? sub : [sub]) visit(s, where);
      }
      for (const [name, prop] of Object.entries((schema.properties ?? {}) as Json)) visit(prop, `${where}.${name}`);
    };
    for (const { label, op } of operations(doc)) {
      if (op.tags?.includes('Codec')) continue; // protobuf JSON of the Temporal UI, read by payloadsFromJson
      visit(op.requestBody?.content?.['application/json']?.schema, label);
    }
    expect(seen.size).toBeGreaterThan(20);
    expect(open).toEqual([]);
  });

  it('says what the validators accept: the referral refuses blank names and unknown fields, and names its dates and bounds', () => {
    const schemas = doc.components!.schemas as Json;
    const child = schemas.ChildDto;
    expect(child.additionalProperties).toBe(false);
    expect(child.required).toEqual(expect.arrayContaining(['firstName', 'lastName', 'birthDate', 'sex', 'address', 'qpv']));
    expect(child.properties.firstName).toMatchObject({ type: 'string', minLength: 1, maxLength: expect.any(Number), pattern: expect.any(String) });
    expect(new RegExp(child.properties.firstName.pattern).test('   ')).toBe(false);
    expect(new RegExp(child.properties.firstName.pattern).test('Lina')).toBe(true);
    expect(child.properties.birthDate).toMatchObject({ type: 'string', format: 'date' });
    expect(schemas.ReferralDto.properties.guardians).toMatchObject({ type: 'array', minItems: 1, maxItems: expect.any(Number) });
    const list = operations(doc).find((o) => o.label === 'GET /parcours')!.op;
    expect(list.parameters.find((p: Json) => p.name === 'pageSize').schema).toMatchObject({ minimum: 1, maximum: 500 });
  });

  it('maps every validation the DTOs use to JSON Schema (a new decorator must say what it accepts)', () => {
    // the request DTOs: body schemas by class name, path and query parameters from their *Params / *Query classes
    const described = validatedClasses().filter((c) => c.name in (doc.components!.schemas as Json) || /(Params|Query)$/.test(c.name));
    expect(described.length).toBeGreaterThan(30);
    expect(described.flatMap((c) => unmappedValidations(c))).toEqual([]);
  });

  it('needs no token on the public paths (security: []) and names the roles of every other operation', () => {
    const ops = operations(doc);
    for (const label of ['GET /health/live', 'GET /health/ready']) expect(ops.find((o) => o.label === label)!.op.security).toEqual([]);
    const withoutRoles = ops.filter((o) => !o.path.startsWith('/health') && !o.path.startsWith('/codec') && o.path !== '/me' && !o.op['x-roles']);
    expect(withoutRoles.map((o) => o.label)).toEqual([]);
  });

  it('links the creating operations to the ones their ids open (stateful testing, generated clients)', () => {
    const ops = operations(doc);
    const links = (label: string, status: string) => Object.values((ops.find((o) => o.label === label)!.op.responses[status].links ?? {}) as Json);
    const targets = (prefix: string, exclude?: string) =>
      ops.filter((o) => o.path.startsWith(prefix) && (!exclude || !o.path.includes(exclude))).map((o) => o.op.operationId).sort();
    expect(links('POST /parcours', '201').map((l) => l.operationId).sort()).toEqual(targets('/parcours/{dossierId}', '{actionId}'));
    expect(links('POST /parcours', '201').every((l) => l.parameters.dossierId === '$response.body#/dossierId')).toBe(true);
    expect(links('POST /conventions', '201').map((l) => l.operationId).sort()).toEqual(targets('/conventions/{ref}'));
    expect(links('POST /parcours/{dossierId}/actions', '201').map((l) => l.operationId)).toEqual(targets('/parcours/{dossierId}/actions/{actionId}'));
  });

  it('lists every problem type the code answers', () => {
    const slugs = new Set<string>(FAILURE_SLUGS);
    const calls = /(?:problem|ProblemException\.of|sendProblem)\((?:res, )?\d{3}, '([a-z0-9-]+)'|problem:([a-z0-9-]+)'/g;
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(calls)) slugs.add(m[1] ?? m[2]);
    }
    expect(slugs.size).toBeGreaterThan(20);
    expect([...slugs].filter((s) => !(s in PROBLEM_SLUGS))).toEqual([]);
  });
});
