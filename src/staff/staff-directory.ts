import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config/env';

export interface StaffMember {
  id: string;
  email?: string;
  name?: string;
  roles?: string[];
}

/**
 * Staff ids → addresses, from STAFF_DIRECTORY_FILE (JSON: `{ "u-ref-1": { "email": "...", "roles": ["referent"] } }`
 * or an array of members) merged with STAFF_DIRECTORY (`id=email,...`). The coordinator id comes from
 * PRE_COORDINATOR_ID so that `role:coordinator` always resolves.
 */
export class StaffDirectory {
  private readonly members = new Map<string, StaffMember>();

  constructor(private readonly config: AppConfig) {
    if (config.STAFF_DIRECTORY_FILE) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(config.STAFF_DIRECTORY_FILE, 'utf8')) as unknown;
      } catch (e) {
        throw new Error(`STAFF_DIRECTORY_FILE (${config.STAFF_DIRECTORY_FILE}) cannot be read as JSON: ${(e as Error).message}`);
      }
      const list: StaffMember[] = Array.isArray(raw)
        ? (raw as StaffMember[])
        : Object.entries(raw as Record<string, Omit<StaffMember, 'id'>>).map(([id, m]) => ({ id, ...m }));
      for (const m of list) this.members.set(m.id, m);
    }
    for (const pair of (config.STAFF_DIRECTORY ?? '').split(',').filter(Boolean)) {
      const [id, email] = pair.split('=');
      this.members.set(id, { ...this.members.get(id), id, email });
    }
  }

  get(id: string): StaffMember | undefined {
    return this.members.get(id);
  }

  all(): StaffMember[] {
    return [...this.members.values()];
  }

  /**
   * A staff id, or `role:<role>`: the members holding that role (the coordinator by configuration). An unknown staff
   * id resolves to itself without an address (recorded UNDELIVERABLE); a role nobody holds resolves to nothing.
   */
  resolve(recipient: string): Array<{ id: string; email?: string }> {
    if (recipient.startsWith('role:')) {
      const role = recipient.slice(5);
      const byRole = this.all().filter((m) => m.roles?.includes(role));
      if (role === 'coordinator' && !byRole.some((m) => m.id === this.config.PRE_COORDINATOR_ID)) {
        byRole.push(this.members.get(this.config.PRE_COORDINATOR_ID) ?? { id: this.config.PRE_COORDINATOR_ID });
      }
      return byRole.map((m) => ({ id: m.id, email: m.email }));
    }
    const m = this.members.get(recipient);
    return [{ id: recipient, email: m?.email }];
  }
}
