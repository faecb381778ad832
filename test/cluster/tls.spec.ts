/**
 * `npm run test:cluster` (issue 18 item 5): the mutual TLS of docker-compose.yml, run for real. The Temporal server
 * starts with config/temporal/cluster.yaml and the TLS variables the compose file gives it (TEMPORAL_TLS_*), on
 * certificates made here by a test CA; the admin job, an API and a worker connect with the client certificate the
 * compose file gives them (TEMPORAL_TLS_CERT_PATH, …). A client without a certificate is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { parse } from 'yaml';
import { workflowIdFor } from '../../workflows/parcours/parcours.contract';
import { freePort } from '../../src/dev/dev-server';
import { REFERRAL } from '../support/api-examples';
import { spawnCaptured, waitFor } from '../support/processes';
import { clusterTools, root, createSchema, removeBase, sharedEnv, startNode, startPostgres, startTemporal, stopAll, tempBase, tokenFor, type NodeProcess, type Postgres, type TemporalServer } from './cluster';

jest.setTimeout(600_000);

/** A CA, a server certificate for `temporal` (the compose service name, and 127.0.0.1), a client certificate. */
function makeCertificates(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (name: string) => join(dir, name);
  const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=pre-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = (name: string, cn: string, ext: string) => {
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`]);
    writeFileSync(f(`${name}.ext`), ext);
    ssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`)]);
  };
  // the server's certificate also serves as the client certificate between its own services (internode)
  leaf('server', 'temporal', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:temporal,DNS:localhost,IP:127.0.0.1\n');
  leaf('client', 'pre-orchestrator', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

describe('test:cluster — mutual TLS as docker-compose.yml configures it (issue 18 item 5)', () => {
  let base: string;
  let pg: Postgres;
  let server: TemporalServer;
  let procs: NodeProcess[] = [];
  let certs: ReturnType<typeof makeCertificates>;
  let env: Record<string, string>;
  let schemaRuns: string[] = [];
  let tools: Record<string, string>;

  beforeAll(async () => {
    tools = clusterTools();
    base = tempBase();
    certs = makeCertificates(join(base, 'certs'));
    pg = await startPostgres(base);
    schemaRuns = [createSchema(tools, pg.port), createSchema(tools, pg.port)];
    const tls = { serverNameOverride: 'temporal', serverRootCACertificate: readFileSync(certs.ca), clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } };
    // the temporal service's environment in docker-compose.yml
    server = await startTemporal(tools, pg.port, {
      env: {
        TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
        TEMPORAL_TLS_SERVER_CA_CERT: certs.ca,
        TEMPORAL_TLS_SERVER_CERT: certs.serverCert,
        TEMPORAL_TLS_SERVER_KEY: certs.serverKey,
        TEMPORAL_TLS_INTERNODE_SERVER_NAME: 'temporal',
        TEMPORAL_TLS_FRONTEND_CERT: certs.serverCert,
        TEMPORAL_TLS_FRONTEND_KEY: certs.serverKey,
        TEMPORAL_TLS_CLIENT1_CA_CERT: certs.ca,
        TEMPORAL_TLS_FRONTEND_SERVER_NAME: 'temporal',
        TEMPORAL_TLS_FRONTEND_DISABLE_HOST_VERIFICATION: 'false',
        TEMPORAL_TLS_INTERNODE_DISABLE_HOST_VERIFICATION: 'false',
      },
      connect: { tls },
    });
    // the x-temporal-client-tls block of docker-compose.yml (API, workers, admin job)
    env = { ...sharedEnv(server.address), TEMPORAL_TLS_CERT_PATH: certs.clientCert, TEMPORAL_TLS_KEY_PATH: certs.clientKey, TEMPORAL_TLS_CA_PATH: certs.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal' };
  });

  afterAll(() => {
    stopAll([...procs, server?.run]);
    pg?.stop();
    if (base) removeBase(base);
  });

  it('runs the versions docker-compose.yml names: the server, its admin tools, the UI, PostgreSQL', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { image: string }> };
    const strip = (v: string) => v.replace(/^v/, '');
    expect({
      temporal: compose.services.temporal.image,
      schema: compose.services['temporal-schema'].image,
      ui: compose.services['temporal-ui'].image,
      postgresql: compose.services.postgresql.image,
    }).toEqual({
      temporal: `temporalio/server:${strip(tools.TEMPORAL_SERVER_VERSION)}`,
      schema: `temporalio/admin-tools:${strip(tools.TEMPORAL_SERVER_VERSION)}`,
      ui: `temporalio/ui:${strip(tools.TEMPORAL_UI_SERVER_VERSION)}`,
      postgresql: `postgres:${pg.major}`,
    });
  });

  it('the schema job (scripts/compose/temporal-schema.sh) creates both databases, and run again changes nothing', () => {
    // createSchema throws on a non-zero exit: both runs exited 0, and the server then started on the schema
    for (const out of schemaRuns) expect(out).toMatch(/schema temporal ready[\s\S]*schema temporal_visibility ready[\s\S]*temporal-schema: done/);
  });

  it('refuses a client without a certificate, and one whose certificate the CA did not sign', async () => {
    const refused = async (options: Parameters<typeof Connection.connect>[0]) => {
      try {
        const conn = await Connection.connect({ ...options, connectTimeout: '3s' });
        try {
          await conn.withDeadline(Date.now() + 5000, () => conn.workflowService.describeNamespace({ namespace: 'temporal-system' }));
          return false;
        } finally {
          await conn.close();
        }
      } catch {
        return true;
      }
    };
    expect(await refused({ address: server.address })).toBe(true); // plaintext
    expect(await refused({ address: server.address, tls: { serverNameOverride: 'temporal', serverRootCACertificate: readFileSync(certs.ca) } })).toBe(true); // TLS, no client certificate
    const other = makeCertificates(join(base, 'other-ca'));
    expect(await refused({ address: server.address, tls: { serverNameOverride: 'temporal', serverRootCACertificate: readFileSync(certs.ca), clientCertPair: { crt: readFileSync(other.clientCert), key: readFileSync(other.clientKey) } } })).toBe(true);
  });

  it('the admin job, a worker and an API connect with the client certificate: a referral becomes a case in Temporal', async () => {
    const register = await startNode('register', 'register', base, env);
    expect(await register.exited).toEqual({ code: 0, signal: null });
    expect(register.output()).toContain('namespace "default" created');
    procs = [await startNode('worker', 'worker', base, env), await startNode('api', 'main', base, env)];
    const api = procs[1].url!;
    const started = Date.now();
    let ready = await fetch(`${api}/health/ready`);
    while (ready.status !== 200 && Date.now() - started < 90_000) {
      await new Promise((r) => setTimeout(r, 500));
      ready = await fetch(`${api}/health/ready`);
    }
    expect(ready.status).toBe(200);
    const token = await tokenFor(env)('u-ref-tls', 'referent');
    const res = await fetch(`${api}/parcours`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(REFERRAL) });
    const body = (await res.json()) as { dossierId: string; stage: string };
    if (res.status !== 201) process.stdout.write(`tls.spec referral answered ${res.status} ${JSON.stringify(body)}\nAPI:\n${procs[1].output().slice(-4000)}\nworker:\n${procs[0].output().slice(-3000)}\n`);
    expect({ status: res.status, stage: body.stage }).toEqual({ status: 201, stage: 'AWAITING_CONSENT' });
    const connection = await Connection.connect({ address: server.address, tls: { serverNameOverride: 'temporal', serverRootCACertificate: readFileSync(certs.ca), clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } } });
    try {
      // raw describe: the memo is encrypted (binary/encrypted), this test holds no codec key
      const { workflowExecutionInfo: info } = await connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: workflowIdFor(body.dossierId) } });
      expect({ type: info?.type?.name, status: info?.status }).toEqual({ type: 'parcoursWorkflow', status: temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING });
    } finally {
      await connection.close();
    }
  });

  it('the Web UI server at the compose version reaches the server with its client certificate (the temporal-ui environment)', async () => {
    const port = await freePort();
    // the image's own configuration file (config/docker.yaml of the ui-server module), read from the environment
    const ui = spawnCaptured(tools.TEMPORAL_UI_SERVER_BIN, ['--root', tools.TEMPORAL_UI_SERVER_ROOT, '--env', 'docker', 'start'], {
      env: {
        PATH: process.env.PATH,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_UI_PORT: String(port),
        TEMPORAL_TLS_CA: certs.ca,
        TEMPORAL_TLS_CERT: certs.clientCert,
        TEMPORAL_TLS_KEY: certs.clientKey,
        TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true',
        TEMPORAL_TLS_SERVER_NAME: 'temporal',
        TEMPORAL_CODEC_ENDPOINT: 'https://pre.example/codec',
        TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true',
      },
    });
    procs.push(Object.assign(ui, { name: 'ui' }));
    await waitFor(`http://127.0.0.1:${port}/api/v1/settings`, 200, 60_000);
    const settings = (await (await fetch(`http://127.0.0.1:${port}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string; IncludeCredentials?: boolean } };
    expect(settings.Codec).toMatchObject({ Endpoint: 'https://pre.example/codec', IncludeCredentials: true });
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces`);
    const body = (await res.json()) as { namespaces?: Array<{ namespaceInfo?: { name?: string } }> };
    expect({ status: res.status, names: (body.namespaces ?? []).map((n) => n.namespaceInfo?.name) }).toEqual({ status: 200, names: expect.arrayContaining(['default']) });
  });
});
