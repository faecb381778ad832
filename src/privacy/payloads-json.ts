import type { Payload } from '@temporalio/common';

/** A Payload in protobuf JSON (what the Temporal UI and CLI send to a codec server): bytes as base64. */
export interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}

/** A problem with the body, as the validation pipe reports one. */
export interface FieldProblem {
  field: string;
  message: string;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Reads `{ payloads: [...] }` (protobuf JSON); returns the payloads or the list of bad fields. */
export function payloadsFromJson(body: unknown): { payloads: Payload[] } | { errors: FieldProblem[] } {
  const errors: FieldProblem[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { errors: [{ field: 'payloads', message: 'the body must be an object { "payloads": [...] }' }] };
  // protobuf JSON leaves out an empty repeated field: `{}` is an empty Payloads (the Temporal CLI sends it)
  const list = (body as { payloads?: unknown }).payloads ?? [];
  if (!Array.isArray(list)) return { errors: [{ field: 'payloads', message: 'payloads must be an array of Payload objects (protobuf JSON)' }] };
  const payloads: Payload[] = [];
  list.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      errors.push({ field: `payloads[${i}]`, message: 'must be an object with metadata and data' });
      return;
    }
    const { metadata, data } = raw as { metadata?: unknown; data?: unknown };
    const out: Payload = { metadata: {}, data: new Uint8Array() };
    if (metadata !== undefined && metadata !== null) {
      if (typeof metadata !== 'object' || Array.isArray(metadata)) errors.push({ field: `payloads[${i}].metadata`, message: 'must be a map of base64 strings' });
      else {
        for (const [k, v] of Object.entries(metadata)) {
          if (typeof v !== 'string' || !BASE64.test(v)) errors.push({ field: `payloads[${i}].metadata.${k}`, message: 'must be a base64 string' });
          else out.metadata![k] = Buffer.from(v, 'base64');
        }
      }
    }
    if (data !== undefined && data !== null) {
      if (typeof data !== 'string' || !BASE64.test(data)) errors.push({ field: `payloads[${i}].data`, message: 'must be a base64 string' });
      else out.data = Buffer.from(data, 'base64');
    }
    payloads.push(out);
  });
  return errors.length > 0 ? { errors } : { payloads };
}

/** Writes payloads as protobuf JSON (standard base64). */
export function payloadsToJson(payloads: Payload[]): { payloads: PayloadJson[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
