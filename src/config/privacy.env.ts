import { IsOptional, IsString, Matches, registerDecorator, type ValidationArguments } from 'class-validator';
import { keyRingProblems, type KeyRingSettings } from '../privacy/key-ring';

function problems(env: KeyRingSettings): string[] {
  const id = env.PRE_CODEC_ACTIVE_KEY;
  if (id !== undefined && (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id))) return ['PRE_CODEC_ACTIVE_KEY must be a key id (letters, digits, . _ -)'];
  return keyRingProblems(env);
}

/**
 * Checks the whole key configuration (no @IsOptional: it must run when PRE_CODEC_ACTIVE_KEY is unset too). It hangs on PRE_CODEC_ACTIVE_KEY (a key id, not a secret) because a
 * failing variable is echoed in the start-up error: hanging it on PRE_CODEC_KEYS would print key material.
 */
function ValidKeyRing() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'validKeyRing',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) => problems(args.object as KeyRingSettings).length === 0,
        defaultMessage: (args: ValidationArguments) => problems(args.object as KeyRingSettings).join('; '),
      },
    });
}

/** Payload encryption (DOMAIN.md §5): the codec's key ring and its HTTP endpoint for the Temporal Web UI. */
export class PrivacyEnv {
  /**
   * The key ring: `key-id:base64-key` entries (32 random bytes each, AES-256-GCM) separated by commas, e.g.
   * `k2025b:…,k2025a:…`. Unset outside production: a key is generated into PRE_DATA_DIR/codec-keys.
   */
  @IsOptional() @IsString()
  PRE_CODEC_KEYS?: string;

  /** The key ring from a file instead (one `key-id:base64-key` per line, `#` comments), e.g. a mounted secret. */
  @IsOptional() @IsString()
  PRE_CODEC_KEYS_FILE?: string;

  /** Id of the key that encrypts new payloads (default: the first of the ring); the others only decrypt. */
  @ValidKeyRing()
  PRE_CODEC_ACTIVE_KEY?: string;

  /**
   * Origins of the Temporal Web UI allowed to call the codec endpoint (CORS), comma-separated. Default:
   * `http://localhost:<TEMPORAL_UI_PORT>` and `http://127.0.0.1:<TEMPORAL_UI_PORT>`.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^/,\s]+(,https?:\/\/[^/,\s]+)*$/, { message: 'PRE_CODEC_CORS_ORIGINS must be origins like http://localhost:8233 separated by commas (no path)' })
  PRE_CODEC_CORS_ORIGINS?: string;
}

/** The Web UI origins the codec answers (see PRE_CODEC_CORS_ORIGINS). */
export function codecCorsOrigins(env: PrivacyEnv & { TEMPORAL_UI_PORT: number }): string[] {
  if (env.PRE_CODEC_CORS_ORIGINS) return env.PRE_CODEC_CORS_ORIGINS.split(',').map((o) => o.trim());
  return [`http://localhost:${env.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`];
}
