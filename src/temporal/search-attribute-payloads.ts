/**
 * The project's search attributes of a raw visibility record (`listWorkflowExecutions`), decoded without the client's
 * data converter: lists read search attributes only, so no memo is decoded (the codec's decryption of every listed
 * record's memo was most of a long list's cost in the API: issue 17). Used by the API's lists and by the deadline
 * look-ups of the API and the workers (activities/deadline-search.ts).
 */
import { defaultPayloadConverter, SearchAttributeType, TypedSearchAttributes, type Payload, type SearchAttributePair } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';

const KEYS = new Map<string, { name: string; type: SearchAttributeType }>(SEARCH_ATTRIBUTES.map((k) => [k.name, k]));

/** A value of the attribute's type, or undefined (a value of another type is skipped, as the SDK does). */
function typed(type: SearchAttributeType, value: unknown): unknown {
  switch (type) {
    case SearchAttributeType.KEYWORD:
    case SearchAttributeType.TEXT:
      return typeof value === 'string' ? value : undefined;
    case SearchAttributeType.INT:
      return Number.isInteger(value) ? value : undefined;
    case SearchAttributeType.DOUBLE:
      return typeof value === 'number' ? value : undefined;
    case SearchAttributeType.BOOL:
      return typeof value === 'boolean' ? value : undefined;
    case SearchAttributeType.DATETIME: {
      const d = typeof value === 'string' ? new Date(value) : undefined;
      return d && !Number.isNaN(d.getTime()) ? d : undefined;
    }
    case SearchAttributeType.KEYWORD_LIST:
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
    default:
      return undefined;
  }
}

/**
 * The project's search attributes of a raw visibility record, through the SDK's public API (the default payload
 * converter and `TypedSearchAttributes`): each payload is JSON; a single-valued attribute may come as a one-item
 * list; dates come as ISO strings. Attributes the project does not define are left out.
 */
export function searchAttributesOf(indexedFields: Record<string, Payload> | null | undefined): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const [name, payload] of Object.entries(indexedFields ?? {})) {
    const key = KEYS.get(name);
    if (!key) continue;
    let raw: unknown;
    try {
      raw = defaultPayloadConverter.fromPayload(payload);
    } catch {
      continue;
    }
    if (Array.isArray(raw) && key.type !== SearchAttributeType.KEYWORD_LIST) {
      if (raw.length !== 1) continue;
      raw = raw[0];
    }
    const value = typed(key.type, raw);
    if (value !== undefined) pairs.push({ key, value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}

