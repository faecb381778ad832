/**
 * The payload converter of every process and of the workflow sandbox (loaded by path: `payloadConverterPath` of
 * the bundle and of the data converter). The SDK's default converters, plus one: a string marked with `ui()`
 * (workflows/shared/ui-text.ts) becomes a plain JSON payload flagged `pre-ui-text`, which the encryption codec leaves in
 * clear so that the Temporal UI shows summaries without the codec. It decodes as any JSON payload.
 */
import {
  BinaryPayloadConverter,
  CompositePayloadConverter,
  JsonPayloadConverter,
  METADATA_ENCODING_KEY,
  UndefinedPayloadConverter,
  type Payload,
  type PayloadConverterWithEncoding,
} from '@temporalio/common';
import { UI_TEXT_MARK } from '../../workflows/shared/ui-text';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (s: string): Uint8Array => encoder.encode(s);
const decode = (b: Uint8Array): string => decoder.decode(b);

/** Metadata flag of a payload written for the UI (no personal data): the codec does not encrypt it. */
export const UI_TEXT_METADATA = 'pre-ui-text';

class UiTextPayloadConverter implements PayloadConverterWithEncoding {
  // the JSON converter, registered after this one, decodes these payloads (same encoding)
  readonly encodingType = 'json/plain';

  toPayload<T>(value: T): Payload | undefined {
    if (typeof value !== 'string' || !value.startsWith(UI_TEXT_MARK)) return undefined;
    return {
      metadata: { [METADATA_ENCODING_KEY]: encode('json/plain'), [UI_TEXT_METADATA]: encode('1') },
      data: encode(JSON.stringify(value.slice(UI_TEXT_MARK.length))),
    };
  }

  fromPayload<T>(payload: Payload): T {
    return JSON.parse(decode(payload.data ?? new Uint8Array())) as T;
  }
}

export const payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new BinaryPayloadConverter(),
  new UiTextPayloadConverter(),
  new JsonPayloadConverter(),
);
