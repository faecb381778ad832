import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EnvValidationError, loadEnv } from '../../src/config/env';
import { CodecSessions } from '../../src/privacy/codec-session';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError } from '../../src/privacy/encryption-codec';
import { KeyRing, loadKeyRing } from '../../src/privacy/key-ring';
import { payloadsFromJson, payloadsToJson } from '../../src/privacy/payloads-json';
import { encryptionCodec } from '../../src/temporal/data-converter';
import { payloadConverter } from '../../src/temporal/payload-converter';
import { ui } from '../../workflows/shared/ui-text';

const child = { firstName: 'Zoé', lastName: 'Testprivacy', birthDate: '2016-03-14', phone: '+33612345678' };
const toPayload = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const text = (p: Payload) => JSON.stringify(p, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
const key = (id: string) => ({ id, key: randomBytes(32) });
const b64 = (k: { id: string; key: Buffer }) => `${k.id}:${k.key.toString('base64')}`;
const tmp = () => mkdtempSync(join(tmpdir(), 'codec-'));

describe('EncryptionCodec', () => {
  const codec = new EncryptionCodec(KeyRing.of([key('k1')]));

  it('round-trips a payload: data and original metadata come back', async () => {
    const [encoded] = await codec.encode([toPayload(child)]);
    expect(Buffer.from(encoded.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded.metadata![KEY_ID_METADATA]!).toString()).toBe('k1');
    expect(text(encoded)).not.toContain('Testprivacy');
    expect(text(encoded)).not.toContain('json/plain'); // the original encoding is inside the ciphertext
    const [decoded] = await codec.decode([encoded]);
    expect(Buffer.from(decoded.metadata!.encoding!).toString()).toBe('json/plain');
    expect(fromPayload(decoded)).toEqual(child);
  });

  it('uses a random IV: the same payload encrypts differently twice', async () => {
    const [a, b] = await codec.encode([toPayload(child), toPayload(child)]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
    expect(Buffer.from(a.data!).subarray(0, 12).equals(Buffer.from(b.data!).subarray(0, 12))).toBe(false);
  });

  it('refuses a tampered ciphertext', async () => {
    const [encoded] = await codec.encode([toPayload(child)]);
    const data = Buffer.from(encoded.data!);
    data[20] ^= 0x01;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toMatchObject({ name: 'PayloadDecryptionError', reason: 'tampered' });
  });

  it('refuses a payload relabelled with another key id (the key id is authenticated)', async () => {
    const ring = KeyRing.of([key('a'), key('b')], 'a');
    const both = new EncryptionCodec(ring);
    const [encoded] = await both.encode([toPayload(child)]);
    const relabelled = { ...encoded, metadata: { ...encoded.metadata, [KEY_ID_METADATA]: Buffer.from('b') } };
    await expect(both.decode([relabelled])).rejects.toBeInstanceOf(PayloadDecryptionError);
  });

  it('names the unknown key id of a payload it cannot decrypt', async () => {
    const [encoded] = await new EncryptionCodec(KeyRing.of([key('gone')])).encode([toPayload(child)]);
    await expect(codec.decode([encoded])).rejects.toMatchObject({ reason: 'unknown-key', message: expect.stringContaining('"gone"') });
  });

  it('leaves in clear only the texts marked for the UI and the workflow metadata answer; every other payload is encrypted', async () => {
    const summary = payloadConverter.toPayload(ui('Parcours PRE · Grésilles · 6–10 ans'));
    const metadataAnswer = defaultPayloadConverter.toPayload({ definition: { type: 'parcoursWorkflow', queryDefinitions: [] }, currentDetails: '**Étape** : Actif' });
    const plainString = payloadConverter.toPayload('Zoé Testprivacy'); // a bare string is not marked: encrypted
    const lookalike = payloadConverter.toPayload({ child, definition: { type: 'x' } }); // other key order: encrypted
    const [s, m, p, l] = await codec.encode([summary, metadataAnswer, plainString, lookalike]);
    expect(s).toBe(summary);
    expect(fromPayload(s)).toBe('Parcours PRE · Grésilles · 6–10 ans'); // the mark is not in the payload
    expect(m).toBe(metadataAnswer);
    for (const e of [p, l]) {
      expect(Buffer.from(e.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      expect(text(e)).not.toContain('Testprivacy');
    }
  });

  it('leaves payloads that are not encrypted untouched when decoding', async () => {
    const plain = toPayload({ stage: 'REFERRED' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('survives a key rotation: encode with A, make B active keeping A, decode old and new payloads', async () => {
    const a = key('a');
    const b = key('b');
    const before = new EncryptionCodec(KeyRing.of([a]));
    const [old] = await before.encode([toPayload({ ...child, written: 'before' })]);
    const after = new EncryptionCodec(KeyRing.of([a, b], 'b'));
    const [fresh] = await after.encode([toPayload({ ...child, written: 'after' })]);
    expect(Buffer.from(fresh.metadata![KEY_ID_METADATA]!).toString()).toBe('b');
    const [oldBack, freshBack] = await after.decode([old, fresh]);
    expect(fromPayload(oldBack)).toEqual({ ...child, written: 'before' });
    expect(fromPayload(freshBack)).toEqual({ ...child, written: 'after' });
    // and a ring that dropped A can no longer read A's payloads
    await expect(new EncryptionCodec(KeyRing.of([b])).decode([old])).rejects.toMatchObject({ reason: 'unknown-key' });
  });
});

describe('codec payloads in protobuf JSON (the Temporal UI format)', () => {
  it('reads and writes base64 metadata and data', async () => {
    const codec = new EncryptionCodec(KeyRing.of([key('k1')]));
    const json = payloadsToJson(await codec.encode([toPayload(child)]));
    expect(json.payloads[0].metadata).toEqual({ encoding: Buffer.from('binary/encrypted').toString('base64'), 'encryption-key-id': Buffer.from('k1').toString('base64') });
    const read = payloadsFromJson(JSON.parse(JSON.stringify(json)));
    if (!('payloads' in read)) throw new Error('not read');
    expect(fromPayload((await codec.decode(read.payloads))[0])).toEqual(child);
  });

  it('lists every bad field', () => {
    expect(payloadsFromJson({ payloads: [{ metadata: { encoding: 42 }, data: 'not base64!' }, 'x'] })).toEqual({
      errors: [
        { field: 'payloads[0].metadata.encoding', message: 'must be a base64 string' },
        { field: 'payloads[0].data', message: 'must be a base64 string' },
        { field: 'payloads[1]', message: 'must be an object with metadata and data' },
      ],
    });
    expect(payloadsFromJson({ payloads: 'x' })).toEqual({ errors: [{ field: 'payloads', message: expect.any(String) }] });
    expect(payloadsFromJson([])).toEqual({ errors: [{ field: 'payloads', message: expect.any(String) }] });
  });

  it('reads `{}` as no payloads (protobuf JSON omits an empty list)', () => {
    expect(payloadsFromJson({})).toEqual({ payloads: [] });
  });
});

describe('key ring configuration', () => {
  const base = (dir: string) => ({ PRE_DATA_DIR: dir, JWT_SECRET: randomBytes(32).toString('base64url'), PRE_CHILD_KEY_SECRET: randomBytes(32).toString('base64url') });

  it('generates a key into the data folder on first start outside production, and keeps it', () => {
    const dir = tmp();
    const config = loadEnv({ ...base(dir), NODE_ENV: 'development' });
    const first = loadKeyRing(config);
    expect(first.active.id).toMatch(/^dev-[0-9a-f]{8}$/);
    expect(statSync(join(dir, 'codec-keys')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'codec-keys'), 'utf8')).toContain(`${first.active.id}:`);
    const again = loadKeyRing(loadEnv({ ...base(dir), NODE_ENV: 'development' }));
    expect(again.active.key.equals(first.active.key)).toBe(true);
  });

  it('stops a production start without keys, naming the variable', () => {
    expect(() => loadEnv({ ...base(tmp()), NODE_ENV: 'production' })).toThrow(/PRE_CODEC_KEYS: required in production/);
  });

  it('reads PRE_CODEC_KEYS and PRE_CODEC_ACTIVE_KEY (the first key is active by default)', () => {
    const a = key('k2025a');
    const b = key('k2025b');
    const env = { ...base(tmp()), NODE_ENV: 'production', PRE_CODEC_KEYS: `${b64(b)},${b64(a)}` } as Record<string, string>;
    expect(loadKeyRing(loadEnv(env)).active.id).toBe('k2025b');
    const ring = loadKeyRing(loadEnv({ ...env, PRE_CODEC_ACTIVE_KEY: 'k2025a' }));
    expect(ring.active.id).toBe('k2025a');
    expect(ring.ids.sort()).toEqual(['k2025a', 'k2025b']);
  });

  it('reads a key file (comments and one key per line)', () => {
    const file = join(tmp(), 'keys');
    writeFileSync(file, `# rotated 2026-01\n${b64(key('new'))}\n\n${b64(key('old'))}\n`);
    expect(loadKeyRing(loadEnv({ ...base(tmp()), NODE_ENV: 'production', PRE_CODEC_KEYS_FILE: file })).ids).toEqual(['new', 'old']);
  });

  it('refuses bad keys without printing key material', () => {
    const short = randomBytes(16).toString('base64');
    let err: EnvValidationError | undefined;
    try {
      loadEnv({ ...base(tmp()), NODE_ENV: 'production', PRE_CODEC_KEYS: `${b64(key('good'))},short:${short}` });
    } catch (e) {
      err = e as EnvValidationError;
    }
    expect(err).toBeInstanceOf(EnvValidationError);
    expect(err!.message).toContain('PRE_CODEC_KEYS: key "short" must be 32 random bytes');
    expect(err!.message).not.toContain(short);
    expect(() => loadEnv({ ...base(tmp()), PRE_CODEC_KEYS: b64(key('a')), PRE_CODEC_ACTIVE_KEY: 'b' })).toThrow(/PRE_CODEC_ACTIVE_KEY: "b" is not one of the configured key ids \(a\)/);
    expect(() => loadEnv({ ...base(tmp()), PRE_CODEC_KEYS: 'no-colon' })).toThrow(/PRE_CODEC_KEYS: entry 1 is not "key-id:base64-key"/);
    expect(() => loadEnv({ ...base(tmp()), PRE_CODEC_KEYS_FILE: '/nonexistent/keys' })).toThrow(/PRE_CODEC_KEYS_FILE: cannot read/);
  });

  it('refuses PRE_CODEC_LOCAL_ACCESS in every environment: the codec has no tokenless access any more', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(() => loadEnv({ ...base(tmp()), NODE_ENV, PRE_CODEC_KEYS: b64(key('a')), PRE_CODEC_LOCAL_ACCESS: 'true' })).toThrow(/PRE_CODEC_LOCAL_ACCESS: removed/);
    }
  });

  it('signs codec sessions that only this deployment accepts, ending with the session or the token, whichever is first', async () => {
    const config = loadEnv({ ...base(tmp()), NODE_ENV: 'test', PRE_CODEC_SESSION_MINUTES: '30' });
    const sessions = new CodecSessions(config);
    const now = Math.floor(Date.now() / 1000);
    const long = await sessions.issue({ sub: 'u-sup-1', roles: ['supervisor'] }, now + 8 * 3600);
    expect(Math.round((long.expiresAt.getTime() - Date.now()) / 60_000)).toBe(30);
    const short = await sessions.issue({ sub: 'u-sup-1', roles: ['supervisor'] }, now + 120);
    expect(short.expiresAt.getTime()).toBe((now + 120) * 1000);
    expect(await sessions.verify(long.value)).toEqual({ sub: 'u-sup-1', roles: ['supervisor'] });
    expect(await new CodecSessions(loadEnv({ ...base(tmp()), NODE_ENV: 'test' })).verify(long.value)).toBeUndefined(); // another secret
    expect(await sessions.verify(`${long.value.slice(0, -2)}AA`)).toBeUndefined();
    expect(await sessions.verify('not-a-session')).toBeUndefined();
    expect(sessions.secure).toBe(false);
    expect(new CodecSessions(loadEnv({ ...base(tmp()), NODE_ENV: 'test', PRE_CODEC_COOKIE_SECURE: 'true' })).secure).toBe(true);
  });

  it('gives one codec per configuration to the client, the worker and the codec endpoint', () => {
    const config = loadEnv({ ...base(tmp()), NODE_ENV: 'test' });
    expect(encryptionCodec(config)).toBe(encryptionCodec(config));
  });
});
