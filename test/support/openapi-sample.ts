/**
 * Reading the OpenAPI document (`/docs-json`) the way the input tests need it: a schema with its `$ref`/`allOf`/
 * `oneOf` resolved, and a plausible value for it, the base that each malformed or hostile body breaks in one way.
 * Used by test/resilience/bad-input.spec.ts and test/security/hostile-corpus.ts (and through it bench/hostile.ts).
 */

export type Schema = {
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  example?: unknown;
  pattern?: string;
};
export type Operation = { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: Array<{ in: string; name: string }> };
export type OpenApi = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

/** The schema behind `$ref`, `allOf` (merged), `oneOf`/`anyOf` (the first). */
export function resolveSchema(doc: OpenApi, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) return resolveSchema(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!]);
  if (schema.allOf?.length) return schema.allOf.map((s) => resolveSchema(doc, s)).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties } }), {});
  if (schema.oneOf?.length) return resolveSchema(doc, schema.oneOf[0]);
  if (schema.anyOf?.length) return resolveSchema(doc, schema.anyOf[0]);
  return schema;
}

/** A plausible value for a schema: its example, its first enum value, or a value of its type. */
export function sample(doc: OpenApi, raw: Schema | undefined, depth = 0): unknown {
  const schema = resolveSchema(doc, raw);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return depth > 4 ? {} : Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sample(doc, v, depth + 1)]));
    case 'array':
      return [sample(doc, schema.items, depth + 1)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      return schema.format === 'date' ? '2026-01-15' : schema.format === 'date-time' ? '2026-01-15T10:00:00Z' : 'x';
  }
}
