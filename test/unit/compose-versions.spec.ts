/**
 * docker-compose.yml runs the versions `npm run test:cluster` builds and runs (issue 18 item 5): the Temporal server
 * and its admin tools at scripts/cluster-tools.sh's TEMPORAL_SERVER_VERSION, the UI at its TEMPORAL_UI_SERVER_VERSION,
 * PostgreSQL at its POSTGRES_MAJOR. (test/cluster/tls.spec.ts checks the binaries test:cluster really ran against
 * the same file.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const script = readFileSync(join(root, 'scripts', 'cluster-tools.sh'), 'utf8');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { image?: string }> };

/** The pinned default of a variable of cluster-tools.sh (`NAME="${NAME:-v1.2.3}"` or `NAME=15`). */
function pinned(name: string): string {
  const m = new RegExp(`^${name}="?\\$\\{${name}:-([^}]+)\\}"?$`, 'm').exec(script) ?? new RegExp(`^${name}=([0-9.]+)$`, 'm').exec(script);
  if (!m) throw new Error(`scripts/cluster-tools.sh pins no ${name}`);
  return m[1];
}

describe('docker-compose.yml names the versions test:cluster runs', () => {
  const server = pinned('TEMPORAL_SERVER_VERSION').replace(/^v/, '');
  const ui = pinned('TEMPORAL_UI_SERVER_VERSION').replace(/^v/, '');

  it('the Temporal server and the schema job at the built server version', () => {
    expect(server).toMatch(/^\d+\.\d+\.\d+$/);
    expect(compose.services.temporal.image).toBe(`temporalio/server:${server}`);
    expect(compose.services['temporal-schema'].image).toBe(`temporalio/admin-tools:${server}`);
  });

  it('the Web UI at the built UI server version', () => {
    expect(ui).toMatch(/^\d+\.\d+\.\d+$/);
    expect(compose.services['temporal-ui'].image).toBe(`temporalio/ui:${ui}`);
  });

  it('PostgreSQL at the major version test:cluster runs', () => {
    expect(compose.services.postgresql.image).toBe(`postgres:${pinned('POSTGRES_MAJOR')}`);
  });

  it('no image of the compose file floats (latest or no tag), except the project\'s own', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (!service.image || service.image.startsWith('pre-orchestrator:')) continue;
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[^:]+:v?\d+(\.\d+)*$/) });
    }
  });
});
