import type { DataConverter } from '@temporalio/common';
import type { AppConfig } from '../config/env';
import { EncryptionCodec } from '../privacy/encryption-codec';
import { loadKeyRing } from '../privacy/key-ring';

/**
 * Module of the failure converter, for `failureConverterPath` and for `bundleWorkflowCode` (the workflow
 * sandbox loads its converters from the bundle, not from the worker's options).
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
/** Module of the payload converter (the SDK's, plus the UI's readable summaries: workflows/shared/ui-text.ts). */
export const PAYLOAD_CONVERTER_PATH = require.resolve('./payload-converter');
/** The converter modules every workflow bundle is built with. */
export const BUNDLE_CONVERTERS = { failureConverterPath: FAILURE_CONVERTER_PATH, payloadConverterPath: PAYLOAD_CONVERTER_PATH } as const;

const codecs = new WeakMap<AppConfig, EncryptionCodec>();

/** The payload encryption codec of this configuration (one key ring per process configuration). */
export function encryptionCodec(config: AppConfig): EncryptionCodec {
  let codec = codecs.get(config);
  if (!codec) {
    codec = new EncryptionCodec(loadKeyRing(config));
    codecs.set(config, codec);
  }
  return codec;
}

/**
 * The one data converter of every process (API client, worker, schedules, tests): payloads encrypted with the
 * configured key ring, failure messages and stack traces encoded (hence encrypted) too.
 */
export function dataConverter(config: AppConfig): DataConverter {
  return { payloadCodecs: [encryptionCodec(config)], ...BUNDLE_CONVERTERS };
}
