/** Staff roles (DOMAIN.md "Roles"). */
export const ROLES = ['referent', 'coordinator', 'finance', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, from the JWT: `sub` and `roles`. */
export interface Caller {
  sub: string;
  roles: Role[];
}

/** The role recorded as actor of a change: the most privileged the caller holds. */
export function primaryRole(caller: Caller): Role {
  for (const r of ['coordinator', 'referent', 'finance', 'admin', 'supervisor'] as const) if (caller.roles.includes(r)) return r;
  return caller.roles[0];
}
