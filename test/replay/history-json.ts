/**
 * History ⇄ JSON for the replay tests, with the protobufjs copy that @temporalio/proto itself uses.
 *
 * Why not `historyToJSON` / `historyFromJSON` of @temporalio/common/lib/proto-utils: in this install @temporalio/common
 * and @temporalio/proto each carry their own nested copy of protobufjs 8, so the SDK helpers fail with
 * "type must be a Type" (an instanceof check across the two copies). Same JSON format (proto3 JSON, as the Temporal CLI
 * and UI export it).
 */
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] })) as ProtoJson;
// the package's root is a reflection root: the History message is its protobufjs Type, as protojson needs it
const historyType = temporal.api.history.v1.History as unknown as { fromObject(o: unknown): unknown };

/** A fetched history as pretty proto3 JSON. */
export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, historyType.fromObject(history)), null, 1) + '\n';
}

/** A proto3 JSON history (as written by historyToJSON or exported by the CLI/UI) as a History for the replayer. */
export function historyFromJSON(json: unknown): History {
  const loaded = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!loaded) throw new TypeError('Invalid history');
  return loaded as History;
}
