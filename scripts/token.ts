/**
 * Prints a development token: `npm run token -- --sub u-ref-1 --role referent [--role coordinator] [--ttl 12h]`.
 * Uses the same configuration (and the same generated secret in PRE_DATA_DIR) as the running API.
 */
import 'reflect-metadata';
import { signDevToken } from '../src/auth/dev-token';
import { ROLES, type Role } from '../src/auth/roles';
import { appConfigOrExit } from '../src/config/env';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let sub = 'u-coord-1';
  let ttl = '12h';
  const roles: Role[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--sub') sub = value;
    else if (flag === '--role' || flag === '--roles') roles.push(...(value.split(',') as Role[]));
    else if (flag === '--ttl') ttl = value;
    else continue;
    i++;
  }
  if (roles.length === 0) roles.push('coordinator');
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length) {
    process.stderr.write(`Unknown role(s): ${bad.join(', ')}. Roles: ${ROLES.join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`${await signDevToken(appConfigOrExit(), sub, roles, ttl)}\n`);
}

void main();
