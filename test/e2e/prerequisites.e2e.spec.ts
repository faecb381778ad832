/**
 * Issue 18, items 3 and 6: start-up checks what it needs of the cluster, as a new operator meets it — a Temporal
 * server started by hand, without the project's search attributes. Readiness used to answer 200 "ready" and every
 * referral 500; now it answers 503 naming each missing attribute and the command that registers it (or the missing
 * namespace), a worker waits instead of polling, and PRE_REGISTER_SEARCH_ATTRIBUTES=true registers them. Registration
 * fails loudly on a type clash and on the visibility store's per-type budget.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { temporalBinaries, type DevServer } from '../../src/dev/dev-server';
import { devServerOnFreePorts } from '../support/processes';
import { missingPrerequisites, registerSearchAttributes, untilPrerequisitesMet } from '../../src/temporal/prerequisites';
import { SEARCH_ATTRIBUTES, searchAttributeCliArgs } from '../../workflows/shared/search-attributes';
import { REFERRAL } from '../support/api-examples';
import { startTestApp, type TestApp } from '../support/app';
import { quietRuntime } from '../support/temporal';

const { IndexedValueType } = temporal.api.enums.v1;

describe('start-up checks of the cluster (issue 18, item 6)', () => {
  let server: DevServer;
  let connection: Connection;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    quietRuntime();
    // a bare server: the "default" namespace without any of the project's search attributes, plus two spare namespaces
    ({ server } = await devServerOnFreePorts(1, ([port]) => ({
      cli: temporalBinaries().cli,
      port,
      searchAttributes: false,
      extraNamespaces: ['clash', 'budget'],
      logLevel: 'error',
      output: 'ignore',
    })));
    connection = await Connection.connect({ address: server.address });
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await connection?.close();
    await server?.stop();
  });

  async function app(env: Record<string, string>, worker = false): Promise<TestApp> {
    const t = await startTestApp({ env: { TEMPORAL_ADDRESS: server.address, ...env }, worker });
    apps.push(t);
    return t;
  }

  it('readiness answers 503 naming each missing search attribute and its command; nothing is registered behind the operator\'s back', async () => {
    const t = await app({});
    const res = await t.http().get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:missing-prerequisites', status: 503, temporal: 'up', namespace: 'default' });
    expect(res.body.missing).toEqual(
      searchAttributeCliArgs().map((pair) => {
        const [name, type] = pair.split('=');
        return { kind: 'search-attribute', name, type, command: `temporal operator search-attribute create --namespace default --name ${name} --type ${type}` };
      }),
    );
    for (const pair of searchAttributeCliArgs()) expect(res.body.detail).toContain(`${pair.split('=')[0]} (${pair.split('=')[1]})`);
    expect(res.body.detail).toContain('PRE_REGISTER_SEARCH_ATTRIBUTES=true');
    // nothing was registered behind the operator's back
    expect(await missingPrerequisites(connection, 'default')).toHaveLength(SEARCH_ATTRIBUTES.length);
  });

  it('a missing namespace: readiness 503 naming it and the command that creates it', async () => {
    const t = await app({ TEMPORAL_NAMESPACE: 'nowhere' });
    const res = await t.http().get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      type: 'urn:pre-orchestrator:problem:missing-prerequisites',
      namespace: 'nowhere',
      missing: [{ kind: 'namespace', name: 'nowhere', command: 'temporal operator namespace create --namespace nowhere --retention 24h' }],
      detail: 'The Temporal namespace "nowhere" does not exist. Create it: temporal operator namespace create --namespace nowhere --retention 24h',
    });
  });

  it('a worker does not poll while attributes are missing: it logs each one and waits', async () => {
    const native = await NativeConnection.connect({ address: server.address });
    const logs: Array<{ level: string; msg: string; extra?: Record<string, unknown> }> = [];
    let met = false;
    const gate = untilPrerequisitesMet(native, 'default', { register: false, everyMs: 100, log: (level, msg, extra) => logs.push({ level, msg, extra }) }).then(() => (met = true));
    await new Promise((r) => setTimeout(r, 600));
    expect(met).toBe(false);
    expect(logs.length).toBeGreaterThanOrEqual(2);
    expect(logs[0]).toMatchObject({ level: 'error', msg: expect.stringContaining('not polling yet') });
    expect(logs[0].msg).toContain('PreChildKey (Keyword)');
    expect((logs[0].extra?.missing as unknown[]).length).toBe(SEARCH_ATTRIBUTES.length);
    // released as soon as the attributes exist (registered here by hand, on the "clash" namespace's neighbour: default)
    await registerSearchAttributes(connection, 'default');
    await gate;
    expect(met).toBe(true);
    await native.close();
  });

  it('PRE_REGISTER_SEARCH_ATTRIBUTES=true registers what is missing; then a worker polls and a referral is accepted', async () => {
    // "budget" is still bare: the opt-in API registers every attribute there
    const t = await app({ TEMPORAL_NAMESPACE: 'budget', PRE_REGISTER_SEARCH_ATTRIBUTES: 'true' }, true);
    let res = await t.http().get('/health/ready');
    for (let i = 0; i < 50 && res.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      res = await t.http().get('/health/ready');
    }
    expect(res.status).toBe(200);
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'budget' });
    for (const pair of searchAttributeCliArgs()) expect(customAttributes).toHaveProperty(pair.split('=')[0]);
    const token = await t.token('u-ref-1', 'referent');
    const created = await t.http().post('/parcours').set('Authorization', `Bearer ${token}`).send(REFERRAL);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ stage: 'AWAITING_CONSENT' });
  });

  it('registration fails loudly on a type clash (PreStage registered as Text by someone else)', async () => {
    await connection.operatorService.addSearchAttributes({ namespace: 'clash', searchAttributes: { PreStage: IndexedValueType.INDEXED_VALUE_TYPE_TEXT } });
    await expect(registerSearchAttributes(connection, 'clash')).rejects.toThrow(
      'search attribute PreStage is Text, the project needs Keyword (temporal operator search-attribute delete --namespace clash --name PreStage, then temporal operator search-attribute create --namespace clash --name PreStage --type Keyword)',
    );
    const missing = await missingPrerequisites(connection, 'clash');
    expect(missing.find((m) => m.name === 'PreStage')).toMatchObject({ kind: 'search-attribute-type', type: 'Keyword', actualType: 'Text' });
  });

  it('the SQL visibility store refuses an 11th Keyword once the project has its 10 (the budget of item 3)', async () => {
    // "budget" has the project's 10 Keyword attributes (previous test)
    await expect(
      connection.operatorService.addSearchAttributes({ namespace: 'budget', searchAttributes: { PreOneKeywordTooMany: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD } }),
    ).rejects.toThrow(/cannot have more than 10 search attribute of type (Keyword|INDEXED_VALUE_TYPE_KEYWORD)/);
    // registering again what exists is success, not an error
    await expect(registerSearchAttributes(connection, 'budget')).resolves.toEqual([]);
  });
});
