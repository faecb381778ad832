/**
 * Helpers of the privacy tests: read a raw history as someone with access to the Temporal store would, and
 * send its payloads to the codec endpoint as the Temporal Web UI does.
 */
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

/** A fetched history (the proto's own type). */
export type History = temporal.api.history.v1.IHistory;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Text of a raw history (or anything): the JSON, plus every byte field and every base64 string decoded as
 * UTF-8 — `fetchHistory()` hands payload bytes over as base64, so a plain JSON payload only shows once decoded.
 */
export function rawText(value: unknown): string {
  const decoded: string[] = [];
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8');
    if (typeof raw === 'string' && raw.length >= 8 && BASE64.test(raw)) decoded.push(Buffer.from(raw, 'base64').toString('utf8'));
    return typeof v === 'bigint' ? v.toString() : v;
  });
  return [json, ...decoded].join('\n');
}

/** Every Payload in a history (inputs, results, memo, failures' encoded attributes, summaries, ...). */
export function payloadsOf(value: unknown, found: Payload[] = []): Payload[] {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return found;
  const meta = (value as Payload).metadata;
  if (meta && typeof meta === 'object' && meta.encoding !== undefined) found.push(value as Payload);
  for (const v of Object.values(value)) payloadsOf(v, found);
  return found;
}

/** Bytes as fetchHistory() or the SDK hand them over (base64 string or Uint8Array), as base64. */
const b64 = (v: unknown): string => (typeof v === 'string' ? v : Buffer.from((v as Uint8Array | undefined) ?? new Uint8Array()).toString('base64'));
const utf8 = (v: unknown): string => Buffer.from(b64(v), 'base64').toString('utf8');

/** The body the Temporal UI posts to `/codec/decode`: payloads in protobuf JSON. */
export function codecBody(payloads: Payload[]): { payloads: Array<{ metadata: Record<string, string>; data: string }> } {
  return { payloads: payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) })) };
}

/** The data of a codec answer, as text. */
export function codecAnswerText(body: { payloads: Array<{ data: string }> }): string {
  return body.payloads.map((p) => utf8(p.data)).join('\n');
}

/** The `encryption-key-id`s found on these payloads, sorted. */
export function keyIdsOf(payloads: Payload[]): string[] {
  return [...new Set(payloads.map((p) => p.metadata?.['encryption-key-id']).filter((v) => v !== undefined).map(utf8))].sort();
}

/**
 * Codec request bodies for these payloads, each under `maxBytes` of JSON (the API refuses bodies over 100 kB; the
 * Temporal UI sends one event's payloads at a time, a test sends a whole history).
 */
export function codecBodies(payloads: Payload[], maxBytes = 90_000): Array<ReturnType<typeof codecBody>> {
  const bodies: Array<ReturnType<typeof codecBody>> = [];
  let current: ReturnType<typeof codecBody>['payloads'] = [];
  let size = 0;
  for (const p of codecBody(payloads).payloads) {
    const bytes = JSON.stringify(p).length + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      bodies.push({ payloads: current });
      current = [];
      size = 0;
    }
    current.push(p);
    size += bytes;
  }
  if (current.length > 0) bodies.push({ payloads: current });
  return bodies;
}

/** A run of a workflow and its raw history. */
export interface RunHistory {
  runId: string;
  history: History;
}

/**
 * The raw history of every run of a workflow, oldest first: from the latest run back through each run's
 * `continuedExecutionRunId` (continue-as-new), with whatever data converter `client` has (none, for a raw read).
 */
export async function historiesOfEveryRun(client: Client, workflowId: string): Promise<RunHistory[]> {
  const described = await client.workflowService.describeWorkflowExecution({ namespace: client.options.namespace, execution: { workflowId } });
  const runs: RunHistory[] = [];
  let runId = described.workflowExecutionInfo?.execution?.runId ?? undefined;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift({ runId, history });
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

/** A raw history and every payload of it decoded with `codec` (the key holder's view), as one text to search. */
export async function decodedHistoryText(history: History, codec: PayloadCodec): Promise<string> {
  const decoded = await codec.decode(payloadsOf(history));
  return [rawText(history), ...decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'))].join('\n');
}
