/**
 * What the API and the workers need of the Temporal cluster before they can serve (issue 18, item 6): the namespace,
 * and every custom search attribute of workflows/shared/search-attributes.ts with its type. Without them a referral
 * fails deep inside a workflow task ("invalid search attribute: PreChildKey") and the API answers 500; with this
 * check, readiness answers 503 naming each missing piece and the command that adds it.
 *
 * Registration (registerSearchAttributes) fails loudly on anything but "already exists": a type clash, the store's
 * per-type budget reached, a refused call. It runs from `npm run temporal:search-attributes`, from test:cluster, and
 * at start-up when PRE_REGISTER_SEARCH_ATTRIBUTES=true.
 */
import { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CLI_TYPE_NAMES, SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';

type WorkflowService = {
  describeNamespace(req: temporal.api.workflowservice.v1.IDescribeNamespaceRequest): Promise<temporal.api.workflowservice.v1.IDescribeNamespaceResponse>;
  registerNamespace(req: temporal.api.workflowservice.v1.IRegisterNamespaceRequest): Promise<temporal.api.workflowservice.v1.IRegisterNamespaceResponse>;
  countWorkflowExecutions(req: temporal.api.workflowservice.v1.ICountWorkflowExecutionsRequest): Promise<temporal.api.workflowservice.v1.ICountWorkflowExecutionsResponse>;
};
type OperatorService = {
  listSearchAttributes(req: temporal.api.operatorservice.v1.IListSearchAttributesRequest): Promise<temporal.api.operatorservice.v1.IListSearchAttributesResponse>;
  addSearchAttributes(req: temporal.api.operatorservice.v1.IAddSearchAttributesRequest): Promise<temporal.api.operatorservice.v1.IAddSearchAttributesResponse>;
};
/** What both the client's Connection and the worker's NativeConnection offer. */
export interface TemporalServices {
  workflowService: WorkflowService;
  operatorService: OperatorService;
}

export interface MissingPrerequisite {
  /** `search-attribute-pending`: registered, but the server's services do not use it yet (a few seconds after registration). */
  kind: 'namespace' | 'search-attribute' | 'search-attribute-type' | 'search-attribute-pending';
  name: string;
  /** search attributes: the type the project needs (CLI name: Keyword, Datetime, …) */
  type?: string;
  /** search-attribute-type: the type the namespace has instead */
  actualType?: string;
  /** What an operator runs to add it. */
  command: string;
}

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_PERMISSION_DENIED = 7;

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

export function indexedValueType(type: SearchAttributeType): temporal.api.enums.v1.IndexedValueType {
  return IndexedValueType[`INDEXED_VALUE_TYPE_${type}` as keyof typeof IndexedValueType] as temporal.api.enums.v1.IndexedValueType;
}

function cliTypeOf(indexed: number | null | undefined): string {
  const name = IndexedValueType[indexed ?? 0]?.replace(/^INDEXED_VALUE_TYPE_/, '') as SearchAttributeType | undefined;
  return (name && CLI_TYPE_NAMES[name]) ?? String(indexed);
}

function grpcCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function isAlreadyExists(e: unknown): boolean {
  return grpcCode(e) === GRPC_ALREADY_EXISTS || /already exists/i.test((e as Error)?.message ?? '');
}

export function registerCommand(namespace: string, name: string, type: string): string {
  return `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`;
}

export function namespaceCommand(namespace: string): string {
  return `temporal operator namespace create --namespace ${namespace} --retention 24h`;
}

/**
 * Compares the namespace with what the project needs. Resolves with the missing pieces (empty: all there); rejects
 * only when Temporal cannot be asked (unreachable, refused), which readiness reports as such.
 */
export async function missingPrerequisites(services: TemporalServices, namespace: string): Promise<MissingPrerequisite[]> {
  try {
    await services.workflowService.describeNamespace({ namespace });
  } catch (e) {
    if (grpcCode(e) === GRPC_NOT_FOUND) return [{ kind: 'namespace', name: namespace, command: namespaceCommand(namespace) }];
    throw e;
  }
  const { customAttributes } = await services.operatorService.listSearchAttributes({ namespace });
  const existing = customAttributes ?? {};
  const missing: MissingPrerequisite[] = [];
  for (const key of SEARCH_ATTRIBUTES) {
    const type = CLI_TYPE_NAMES[key.type];
    const actual = existing[key.name];
    if (actual === undefined || actual === null) missing.push({ kind: 'search-attribute', name: key.name, type, command: registerCommand(namespace, key.name, type) });
    else if (actual !== indexedValueType(key.type)) {
      missing.push({
        kind: 'search-attribute-type',
        name: key.name,
        type,
        actualType: cliTypeOf(actual),
        command: `temporal operator search-attribute delete --namespace ${namespace} --name ${key.name}, then ${registerCommand(namespace, key.name, type)}`,
      });
    }
  }
  if (missing.length === 0) {
    // Registered is not yet usable: the server's services read the namespace's attributes from a cache refreshed every
    // few seconds, and until then a start naming one is refused ("no mapping defined for search attribute"). A
    // visibility count naming every attribute (on one workflow id: no scan) is refused the same way until they are.
    try {
      await services.workflowService.countWorkflowExecutions({ namespace, query: usabilityProbeQuery() });
    } catch (e) {
      const name = /(?:search attribute:?\s*)(Pre[A-Za-z]+)/.exec((e as Error).message ?? '')?.[1];
      if (grpcCode(e) !== GRPC_INVALID_ARGUMENT || !name) throw e;
      missing.push({ kind: 'search-attribute-pending', name, command: 'none: registered moments ago, the server takes it up within seconds' });
    }
  }
  return missing;
}

/** A visibility query naming every custom search attribute of the project, on one workflow id that never exists. */
export function usabilityProbeQuery(): string {
  return `WorkflowId = 'pre-readiness-probe' AND (${SEARCH_ATTRIBUTES.map((k) => `${k.name} IS NULL`).join(' OR ')})`;
}

export class SearchAttributeRegistrationError extends Error {}

/**
 * Creates the namespace when it does not exist (the admin job of a new cluster; `--create-namespace`), with the
 * retention of closed runs, and waits until the frontend knows it. Resolves with whether it created it.
 */
export async function ensureNamespace(services: TemporalServices, namespace: string, retentionHours = 24, timeoutMs = 30_000): Promise<boolean> {
  try {
    await services.workflowService.describeNamespace({ namespace });
    return false;
  } catch (e) {
    if (grpcCode(e) !== GRPC_NOT_FOUND) throw e;
  }
  try {
    await services.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionHours * 3600 * 1000) });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  // the frontend's namespace cache learns of it within its refresh interval (about 10 s): until then the operator
  // API answers NOT_FOUND
  const started = Date.now();
  for (;;) {
    try {
      await services.workflowService.describeNamespace({ namespace });
      await services.operatorService.listSearchAttributes({ namespace });
      return true;
    } catch (e) {
      if (grpcCode(e) !== GRPC_NOT_FOUND || Date.now() - started > timeoutMs) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Registers the project's search attributes that the namespace lacks, then checks that every one is there with its
 * type. "Already exists" (another process registered it meanwhile) is success; anything else throws: a type clash,
 * the store's budget ("cannot have more than 10 search attribute of type Keyword"), a missing namespace, a refusal.
 * Resolves with the names it registered.
 */
export async function registerSearchAttributes(services: TemporalServices, namespace: string, timeoutMs = 30_000): Promise<string[]> {
  const registered: string[] = [];
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    const missing = (await missingPrerequisites(services, namespace)).filter((m) => m.kind !== 'search-attribute-pending');
    const fatal = missing.filter((m) => m.kind !== 'search-attribute');
    if (fatal.length) {
      throw new SearchAttributeRegistrationError(
        fatal.map((m) => (m.kind === 'namespace' ? `namespace "${m.name}" does not exist (${m.command})` : `search attribute ${m.name} is ${m.actualType}, the project needs ${m.type} (${m.command})`)).join('; '),
      );
    }
    if (missing.length === 0) return registered;
    const toAdd = Object.fromEntries(missing.map((m) => [m.name, indexedValueType(SEARCH_ATTRIBUTES.find((k) => k.name === m.name)!.type)]));
    try {
      await services.operatorService.addSearchAttributes({ namespace, searchAttributes: toAdd });
      registered.push(...Object.keys(toAdd));
    } catch (e) {
      if (isAlreadyExists(e)) continue; // the check above tells whether each one now has the right type
      // Retried: the SQL store's "race condition … please retry" (two processes registering at once), a namespace the
      // frontend's cache does not know yet (just created: NOT_FOUND), UNAVAILABLE. Not retried: INVALID_ARGUMENT (the
      // store's budget, a reserved name) and PERMISSION_DENIED, which no retry changes.
      const code = grpcCode(e);
      if (code === GRPC_INVALID_ARGUMENT || code === GRPC_PERMISSION_DENIED || Date.now() - started > timeoutMs) {
        throw new SearchAttributeRegistrationError(`registering ${Object.keys(toAdd).join(', ')} in namespace "${namespace}" failed: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
    }
  }
}

/** The problem readiness answers with while something is missing. */
export function prerequisitesDetail(missing: MissingPrerequisite[], namespace: string): string {
  const ns = missing.find((m) => m.kind === 'namespace');
  if (ns) return `The Temporal namespace "${namespace}" does not exist. Create it: ${ns.command}`;
  if (missing.every((m) => m.kind === 'search-attribute-pending')) {
    return `The Temporal namespace "${namespace}" has its search attributes, but the server does not use ${missing.map((m) => m.name).join(', ')} yet (registered moments ago). Ready within seconds.`;
  }
  const names = missing.filter((m) => m.kind !== 'search-attribute-pending').map((m) => (m.kind === 'search-attribute-type' ? `${m.name} (${m.actualType}, needs ${m.type})` : `${m.name} (${m.type})`));
  return (
    `The Temporal namespace "${namespace}" lacks search attributes the service needs: ${names.join(', ')}. ` +
    'Register them with the commands listed in "missing", or with `npm run temporal:search-attributes`, ' +
    'or start one API or worker with PRE_REGISTER_SEARCH_ATTRIBUTES=true.'
  );
}

/**
 * A worker's gate before polling: waits until the namespace has everything (registering the missing search attributes
 * first when `register` is set), logging each missing piece and its command every `everyMs` meanwhile. A worker that
 * polled without them would fail every workflow task that sets a search attribute.
 */
export async function untilPrerequisitesMet(
  services: TemporalServices,
  namespace: string,
  opts: { register: boolean; log: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void; everyMs?: number },
): Promise<void> {
  for (;;) {
    try {
      let missing = await missingPrerequisites(services, namespace);
      if (missing.length && opts.register && missing.every((m) => m.kind === 'search-attribute')) {
        const added = await registerSearchAttributes(services, namespace);
        opts.log('info', `registered the search attributes ${added.join(', ')} in namespace "${namespace}" (PRE_REGISTER_SEARCH_ATTRIBUTES=true)`);
        missing = await missingPrerequisites(services, namespace);
      }
      if (missing.length === 0) return;
      opts.log('error', `not polling yet: ${prerequisitesDetail(missing, namespace)}`, { missing });
    } catch (e) {
      opts.log('warn', `prerequisites not checked yet: ${(e as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 10_000));
  }
}
