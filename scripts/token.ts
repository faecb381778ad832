/**
 * Prints a development token: `npm run token -- --sub u-ref-1 --role referent [--role coordinator] [--ttl 8h]` (at most JWT_MAX_LIFETIME_HOURS).
 * Uses the same configuration (and the same generated secret in PRE_DATA_DIR) as the running API.
 */
import 'reflect-metadata';
import { signDevToken } from '../src/auth/dev-token';
import { ROLES, type Role } from '../src/auth/roles';
import { SUBJECT_PATTERN } from '../src/auth/token-verifier';
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
  if (!SUBJECT_PATTERN.test(sub)) {
    process.stderr.write('The subject must be 1 to 128 letters, digits or . _ @ - (the API refuses any other).\n');
    process.exit(2);
  }
  const config = appConfigOrExit();
  const ttlMatch = /^(\d+)\s*(s|m|h)$/.exec(ttl);
  const seconds = ttlMatch ? Number(ttlMatch[1]) * { s: 1, m: 60, h: 3600 }[ttlMatch[2] as 's' | 'm' | 'h'] : NaN;
  if (!(seconds > 0) || seconds > config.JWT_MAX_LIFETIME_HOURS * 3600) {
    process.stderr.write(`--ttl must be like 30m or 8h, at most ${config.JWT_MAX_LIFETIME_HOURS}h (JWT_MAX_LIFETIME_HOURS): the API refuses longer-lived tokens.\n`);
    process.exit(2);
  }
  process.stdout.write(`${await signDevToken(config, sub, roles, ttl)}\n`);
}

void main();
