/**
 * No Docker engine runs here, so the production layout is checked statically: the compose file's services
 * and wiring, the search attributes its admin job registers (the same list as the code), and the Dockerfile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { searchAttributeCliArgs } from '../../workflows/shared/search-attributes';

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: unknown; command?: unknown; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string | number>; ports?: string[] }>;
};
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

describe('docker-compose.yml (production layout)', () => {
  const s = compose.services;

  it('has PostgreSQL, the Temporal server, its UI, the admin job, the API and the worker', () => {
    expect(Object.keys(s).sort()).toEqual(['api', 'postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'worker']);
    expect(s.temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(s.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(s.temporal.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(s['temporal-ui'].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it('registers exactly the search attributes of workflows/shared/search-attributes.ts', () => {
    const script = (s['temporal-admin-tools'].command as string[]).join('\n');
    const listed = /for sa in ([^;]+);/.exec(script)![1].trim().split(/\s+/);
    expect(listed).toEqual(searchAttributeCliArgs());
  });

  it('starts the API and the workers after the search attributes exist, against the cluster', () => {
    for (const name of ['api', 'worker']) {
      expect(s[name].depends_on?.['temporal-admin-tools']).toEqual({ condition: 'service_completed_successfully' });
      expect(s[name].environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', NODE_ENV: 'production', TEMPORAL_TASK_QUEUE: 'pre-orchestrator' });
    }
    expect(s.api.build).toBe('.');
    expect(s.api.command).toEqual(['node', 'dist/src/main.js']);
    expect(s.worker.image).toBe(s.api.image);
    expect(s.worker.command).toEqual(['node', 'dist/src/worker.js']);
    expect(s.worker.environment).toMatchObject({ WORKFLOW_BUNDLE_PATH: '/app/dist/workflow-bundle.js' });
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
