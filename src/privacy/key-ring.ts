import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../config/dev-secrets';

/** One AES-256 key of the ring and the id written beside every payload it encrypts. */
export interface CodecKey {
  id: string;
  key: Buffer;
}

/** What the key ring needs from the configuration (a subset of AppConfig, so config validation can use it too). */
export interface KeyRingSettings {
  NODE_ENV?: string;
  PRE_CODEC_KEYS?: string;
  PRE_CODEC_KEYS_FILE?: string;
  PRE_CODEC_ACTIVE_KEY?: string;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The file of the embedded default's generated keys, inside PRE_DATA_DIR. */
export const DEV_KEY_FILE = 'codec-keys';

/**
 * The payload encryption keys: one active key encrypts, every key of the ring decrypts. Rotating means adding a
 * new key in front (or naming it in PRE_CODEC_ACTIVE_KEY) while keeping the old ones, so payloads written before
 * the rotation — running cases, old histories — stay readable.
 */
export class KeyRing {
  private readonly byId: ReadonlyMap<string, Buffer>;

  private constructor(
    readonly active: CodecKey,
    keys: CodecKey[],
  ) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** A ring of these keys; the active one is `activeId`, or the first. */
  static of(keys: CodecKey[], activeId?: string): KeyRing {
    if (keys.length === 0) throw new Error('A key ring needs at least one key.');
    const active = activeId === undefined ? keys[0] : keys.find((k) => k.id === activeId);
    if (!active) throw new Error(`The active key "${activeId}" is not in the key ring.`);
    for (const k of keys) if (k.key.length !== 32) throw new Error(`Key "${k.id}" is not 32 bytes long.`);
    return new KeyRing(active, keys);
  }

  /** The key of this id, if the ring holds it. */
  key(id: string): Buffer | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

/**
 * Parses `kid:base64key` entries separated by commas or new lines (blank lines and `#` comments ignored).
 * Problems name the variable and the entry's position, never key material.
 */
export function parseKeySpec(text: string, variable: string): { keys: CodecKey[]; problems: string[] } {
  const keys: CodecKey[] = [];
  const problems: string[] = [];
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((e) => e.trim())
    .filter((e) => e !== '');
  entries.forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const b64 = at > 0 ? entry.slice(at + 1) : '';
    if (!KEY_ID.test(id) || !BASE64.test(b64)) {
      problems.push(`${variable}: entry ${i + 1} is not "key-id:base64-key" (key id: letters, digits, . _ -)`);
      return;
    }
    const key = Buffer.from(b64, 'base64');
    if (key.length !== 32) {
      problems.push(`${variable}: key "${id}" must be 32 random bytes in base64 (AES-256), it has ${key.length}`);
      return;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`${variable}: key id "${id}" appears twice`);
      return;
    }
    keys.push({ id, key });
  });
  if (entries.length === 0) problems.push(`${variable}: no key in it`);
  return { keys, problems };
}

/** Problems of the key configuration, for the env schema (each names its variable; no key material). */
export function keyRingProblems(env: KeyRingSettings): string[] {
  const production = env.NODE_ENV === 'production';
  if (env.PRE_CODEC_KEYS && env.PRE_CODEC_KEYS_FILE) return ['PRE_CODEC_KEYS_FILE: set either PRE_CODEC_KEYS or PRE_CODEC_KEYS_FILE, not both'];
  let parsed: { keys: CodecKey[]; problems: string[] } | undefined;
  if (env.PRE_CODEC_KEYS) parsed = parseKeySpec(env.PRE_CODEC_KEYS, 'PRE_CODEC_KEYS');
  else if (env.PRE_CODEC_KEYS_FILE) {
    let text: string;
    try {
      text = readFileSync(env.PRE_CODEC_KEYS_FILE, 'utf8');
    } catch (e) {
      return [`PRE_CODEC_KEYS_FILE: cannot read "${env.PRE_CODEC_KEYS_FILE}" (${(e as NodeJS.ErrnoException).code ?? 'error'})`];
    }
    parsed = parseKeySpec(text, 'PRE_CODEC_KEYS_FILE');
  } else if (production) {
    return ['PRE_CODEC_KEYS: required in production (or PRE_CODEC_KEYS_FILE): the payload encryption keys, "key-id:base64-32-bytes" separated by commas'];
  }
  if (!parsed) return [];
  if (parsed.problems.length > 0) return parsed.problems;
  if (env.PRE_CODEC_ACTIVE_KEY && !parsed.keys.some((k) => k.id === env.PRE_CODEC_ACTIVE_KEY)) {
    return [`PRE_CODEC_ACTIVE_KEY: "${env.PRE_CODEC_ACTIVE_KEY}" is not one of the configured key ids (${parsed.keys.map((k) => k.id).join(', ')})`];
  }
  return [];
}

/**
 * The embedded default's key file: generated on first start into the git-ignored data folder, in the same
 * `key-id:base64-key` format as PRE_CODEC_KEYS_FILE, so that its line can be copied into a real configuration.
 */
export function devKeyFile(dataDir: string): string {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, DEV_KEY_FILE);
  if (!existsSync(file)) {
    const key = randomBytes(32);
    const id = `dev-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
    const header =
      '# Payload encryption keys of the embedded default, generated on first start.\n' +
      '# One "key-id:base64-key" per line; the first is the active key. To rotate, add a new line on top and keep\n' +
      '# the old ones: older payloads stay readable.\n';
    try {
      writeFileSync(file, `${header}${id}:${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process of the same folder won the race
    }
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    // read-only file systems keep whatever mode they have
  }
  return file;
}

/** Builds the key ring a process uses: PRE_CODEC_KEYS, else PRE_CODEC_KEYS_FILE, else (not production) the dev key file. */
export function loadKeyRing(env: KeyRingSettings & { dataDir: string }): KeyRing {
  const problems = keyRingProblems(env);
  if (problems.length > 0) throw new Error(`Invalid payload encryption keys:\n  - ${problems.join('\n  - ')}`);
  let parsed: { keys: CodecKey[]; problems: string[] };
  if (env.PRE_CODEC_KEYS) parsed = parseKeySpec(env.PRE_CODEC_KEYS, 'PRE_CODEC_KEYS');
  else if (env.PRE_CODEC_KEYS_FILE) parsed = parseKeySpec(readFileSync(env.PRE_CODEC_KEYS_FILE, 'utf8'), 'PRE_CODEC_KEYS_FILE');
  else parsed = parseKeySpec(readFileSync(devKeyFile(env.dataDir), 'utf8'), join(env.dataDir, DEV_KEY_FILE));
  if (parsed.problems.length > 0) throw new Error(`Invalid payload encryption keys:\n  - ${parsed.problems.join('\n  - ')}`);
  return KeyRing.of(parsed.keys, env.PRE_CODEC_ACTIVE_KEY);
}
