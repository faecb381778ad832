/**
 * No Docker engine runs here, so the production layout is checked statically: the compose file's services
 * and wiring, the search attributes its admin job registers (the same list as the code), and the Dockerfile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { searchAttributeCliArgs } from '../../workflows/shared/search-attributes';
import { workerHeapMiBFor } from '../../src/worker/cache-budget';

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { image?: string; build?: unknown; command?: unknown; entrypoint?: unknown; profiles?: string[]; stop_grace_period?: string; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string | number>; ports?: string[]; volumes?: string[] }
  >;
};
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

describe('docker-compose.yml (production layout)', () => {
  const s = compose.services;

  it('has PostgreSQL, the schema job, the Temporal server, its UI, the admin job, the API, the workers and an optional Prometheus', () => {
    expect(Object.keys(s).sort()).toEqual(['api', 'postgresql', 'prometheus', 'temporal', 'temporal-schema', 'temporal-search-attributes', 'temporal-ui', 'worker']);
    // the server itself, not the deprecated auto-setup image: the schema is the one-shot job's, run before the server
    expect(s.temporal.image).toMatch(/^temporalio\/server:/);
    expect(s['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    expect(s['temporal-schema'].entrypoint).toEqual(['/bin/sh', '/scripts/temporal-schema.sh']);
    expect(s['temporal-schema'].volumes).toEqual(['./scripts/compose:/scripts:ro']);
    expect(s['temporal-schema'].depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(s.temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    // the configuration file test:cluster runs
    expect(s.temporal.volumes).toContain('./config/temporal:/etc/temporal/pre:ro');
    expect(String((s.temporal.entrypoint as string[]).join(' '))).toContain('temporal-server --config-file /etc/temporal/pre/cluster.yaml');
    expect(s.temporal.environment).toMatchObject({ POSTGRES_HOST: 'postgresql', TEMPORAL_DYNAMIC_CONFIG_FILE: '/etc/temporal/pre/dynamicconfig.yaml' });
    expect(s['temporal-ui'].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(s.prometheus.profiles).toEqual(['metrics']);
  });

  it('gives the workers a stop grace period longer than their drain (no task cut by SIGKILL)', () => {
    const drain = Number(s.worker.environment?.WORKER_SHUTDOWN_GRACE_SECONDS);
    expect(drain).toBeGreaterThan(0);
    expect(Number(/^(\d+)s$/.exec(String(s.worker.stop_grace_period))?.[1])).toBeGreaterThan(drain);
  });

  it('registers exactly the search attributes of workflows/shared/search-attributes.ts, with the code that checks them, failing loudly', () => {
    // the one-shot job runs the project's registration (src/temporal/prerequisites.ts: anything but "already exists"
    // fails it, and then neither the API nor the workers start), not a CLI loop whose errors were hidden by `|| true`
    const job = s['temporal-search-attributes'];
    expect(job.image).toBe(s.api.image);
    expect(job.command).toEqual(['node', 'dist/scripts/register-search-attributes.js', '--create-namespace']);
    expect(job.environment).toEqual(s.api.environment);
    expect(job.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(JSON.stringify(compose)).not.toContain('|| true');
    expect(searchAttributeCliArgs()).toHaveLength(16);
  });

  it('starts the API and the workers after the search attributes exist, against the cluster', () => {
    for (const name of ['api', 'worker']) {
      expect(s[name].depends_on?.['temporal-search-attributes']).toEqual({ condition: 'service_completed_successfully' });
      expect(s[name].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', NODE_ENV: 'production', TEMPORAL_TASK_QUEUE: 'pre-orchestrator' });
    }
    expect(s.api.build).toBe('.');
    expect(s.api.command).toEqual(['node', 'dist/src/main.js']);
    expect(s.worker.image).toBe(s.api.image);
    // the worker's V8 heap capped at half its memory budget (src/worker/cache-budget.ts), as `npm run start:worker` does
    expect(s.worker.command).toEqual(['node', `--max-old-space-size=${workerHeapMiBFor(1024)}`, 'dist/src/worker.js']);
    expect(s.worker.environment?.WORKER_MEMORY_BUDGET_MIB).toBeUndefined(); // the default budget, 1 GiB
    expect(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).scripts['start:worker']).toBe(`exec node --max-old-space-size=${workerHeapMiBFor(1024)} dist/src/worker.js`);
    expect(s.worker.environment).toMatchObject({ WORKFLOW_BUNDLE_PATH: '/app/dist/workflow-bundle.js' });
  });
});

describe('docker-compose.yml: nothing of Temporal reachable from outside (issue 13, row 10)', () => {
  const s = compose.services;

  it('publishes no port on a public interface: Temporal none at all, the UI and the API on 127.0.0.1 only', () => {
    expect(s.temporal.ports).toBeUndefined();
    expect(s.postgresql.ports).toBeUndefined();
    expect(s.worker.ports).toBeUndefined();
    expect(s['temporal-ui'].ports).toEqual(['127.0.0.1:8080:8080']);
    expect(s.api.ports).toEqual(['127.0.0.1:3000:3000']);
    for (const [name, service] of Object.entries(s)) for (const port of service.ports ?? []) expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) });
    expect(s.worker.environment).toMatchObject({ WORKER_METRICS_HOST: '0.0.0.0' }); // the compose network only
  });

  it('requires mutual TLS on the frontend, and gives every client (API, workers, UI, admin job, health check) a certificate', () => {
    expect(s.temporal.environment).toMatchObject({
      TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
      TEMPORAL_TLS_FRONTEND_CERT: '/certs/server.pem',
      TEMPORAL_TLS_FRONTEND_KEY: '/certs/server.key',
      TEMPORAL_TLS_CLIENT1_CA_CERT: '/certs/ca.pem',
      TEMPORAL_TLS_SERVER_CERT: '/certs/server.pem',
      TEMPORAL_TLS_SERVER_KEY: '/certs/server.key',
      TEMPORAL_TLS_SERVER_CA_CERT: '/certs/ca.pem',
      TEMPORAL_TLS_FRONTEND_DISABLE_HOST_VERIFICATION: 'false',
    });
    expect(s['temporal-search-attributes'].environment).toMatchObject({ TEMPORAL_TLS_CERT_PATH: '/certs/client.pem', TEMPORAL_TLS_KEY_PATH: '/certs/client.key' });
    for (const name of ['api', 'worker']) {
      expect(s[name].environment).toMatchObject({ TEMPORAL_TLS_CERT_PATH: '/certs/client.pem', TEMPORAL_TLS_KEY_PATH: '/certs/client.key', TEMPORAL_TLS_CA_PATH: '/certs/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'temporal' });
    }
    expect(s['temporal-ui'].environment).toMatchObject({ TEMPORAL_TLS_CERT: '/certs/ui.pem', TEMPORAL_TLS_KEY: '/certs/ui.key', TEMPORAL_TLS_CA: '/certs/ca.pem', TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true' });
    for (const name of ['temporal', 'temporal-search-attributes', 'temporal-ui', 'api', 'worker']) expect(s[name].volumes).toContain('./certs:/certs:ro');
    // nothing shared on disk between the API and the workers (issue 18): no data volume, notifications kept in Temporal
    for (const name of ['api', 'worker']) expect((s[name].volumes ?? []).filter((v) => v.endsWith(':/data'))).toEqual([]);
    expect(Object.keys((compose as { volumes?: Record<string, unknown> }).volumes ?? {})).toEqual(['pgdata']);
  });

  it('signs UI users in with the identity provider (OIDC) and decodes through the API codec with credentials', () => {
    const env = s['temporal-ui'].environment!;
    expect(env).toMatchObject({ TEMPORAL_AUTH_ENABLED: 'true', TEMPORAL_AUTH_TYPE: 'oidc', TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true' });
    // required settings: compose refuses to start without them
    for (const key of ['TEMPORAL_AUTH_PROVIDER_URL', 'TEMPORAL_AUTH_CLIENT_ID', 'TEMPORAL_AUTH_CLIENT_SECRET']) expect(String(env[key])).toMatch(new RegExp(`^\\$\\{${key}:\\?`));
    expect(env.TEMPORAL_AUTH_CALLBACK_URL).toMatch(/^\$\{TEMPORAL_UI_PUBLIC_URL:\?[^}]*\}\/auth\/sso\/callback$/);
    expect(env.TEMPORAL_CODEC_ENDPOINT).toMatch(/^\$\{PRE_PUBLIC_API_URL:\?[^}]*\}\/codec$/);
    expect(s.api.environment).toMatchObject({ PRE_CODEC_CORS_ORIGINS: '${TEMPORAL_UI_PUBLIC_URL}' });
  });
});

describe('Dockerfile', () => {
  it('is multi-stage, prebuilds the workflow bundle and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
