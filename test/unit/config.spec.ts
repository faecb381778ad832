import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conventionSettingsFrom } from '../../src/config/convention.env';
import { EnvValidationError, loadEnv } from '../../src/config/env';
import { parcoursSettingsFrom } from '../../src/config/parcours.env';
import { workerDeploymentOptionsOf } from '../../src/worker/deployment';
import { workerMetricsBindAddress } from '../../src/worker/run-worker';

const dataDir = () => mkdtempSync(join(tmpdir(), 'pre-config-'));

describe('configuration (one validated env schema)', () => {
  it('applies the defaults of DOMAIN.md and the embedded ports', () => {
    const env = loadEnv({ PRE_DATA_DIR: dataDir() });
    expect(env).toMatchObject({
      PORT: 3000,
      TEMPORAL_DEV_PORT: 7233,
      TEMPORAL_UI_PORT: 8233,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'pre-orchestrator',
      PRE_CONSENT_REMINDER_DAYS: 15,
      PRE_CONSENT_EXPIRY_DAYS: 60,
      PRE_SIGNATURE_REMINDER_DAYS: 15,
    });
    expect(env.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('stops on a bad value with a message naming the variable and what it expects', () => {
    const run = () => loadEnv({ PRE_DATA_DIR: dataDir(), PORT: 'abc', SMTP_URL: 'http://mail', JWT_SECRET: 'short' });
    expect(run).toThrow(EnvValidationError);
    try {
      run();
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toMatch(/PORT \("abc"\): .*integer/);
      expect(message).toMatch(/SMTP_URL \("http:\/\/mail"\): SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
      expect(message).toMatch(/JWT_SECRET .*at least 32 characters/);
    }
  });

  it('gives every case and convention the hour its timers fire at in Paris (PRE_TIMER_LOCAL_HOUR, 0-23, default 8)', () => {
    const env = loadEnv({ PRE_DATA_DIR: dataDir() });
    expect(env.PRE_TIMER_LOCAL_HOUR).toBe(8);
    expect(parcoursSettingsFrom(env).timerLocalHour).toBe(8);
    const at7 = loadEnv({ PRE_DATA_DIR: dataDir(), PRE_TIMER_LOCAL_HOUR: '7' });
    expect(parcoursSettingsFrom(at7).timerLocalHour).toBe(7);
    expect(conventionSettingsFrom(at7).timerLocalHour).toBe(7);
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), PRE_TIMER_LOCAL_HOUR: '24' })).toThrow(/PRE_TIMER_LOCAL_HOUR \("24"\)/);
  });

  it('generates the dev JWT secret once into the data folder and keeps it', () => {
    const dir = dataDir();
    const first = loadEnv({ PRE_DATA_DIR: dir });
    const second = loadEnv({ PRE_DATA_DIR: dir });
    expect(first.jwtSecret).toHaveLength(43);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first.jwtSecret);
  });

  it('requires a JWKS URL (or secret) and the child-key secret in production', () => {
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), NODE_ENV: 'production' })).toThrow(/JWT_JWKS_URL: required in production[\s\S]*PRE_CHILD_KEY_SECRET: required in production/);
  });

  it('has the security defaults of issue 13: 12 h tokens, 30 min codec sessions, loopback metrics, the rate limits', () => {
    const env = loadEnv({ PRE_DATA_DIR: dataDir() });
    expect(env).toMatchObject({
      JWT_MAX_LIFETIME_HOURS: 12,
      PRE_CODEC_SESSION_MINUTES: 30,
      WORKER_METRICS_HOST: '127.0.0.1',
      PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE: 20,
      PRE_THROTTLE_WRITES_PER_MINUTE: 60,
      PRE_THROTTLE_REFERRALS_PER_MINUTE: 10,
      PRE_THROTTLE_CODEC_PER_MINUTE: 120,
      PRE_THROTTLE_REPORTS_PER_MINUTE: 10,
    });
    expect(workerMetricsBindAddress(env)).toBe('127.0.0.1:9464');
    expect(workerMetricsBindAddress({ WORKER_METRICS_HOST: '::1', WORKER_METRICS_PORT: 9 })).toBe('[::1]:9');
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), JWT_MAX_LIFETIME_HOURS: '0', PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE: 'many' })).toThrow(
      /JWT_MAX_LIFETIME_HOURS \("0"\)[\s\S]*PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE \("many"\)/,
    );
  });

  it('makes the data folder 0700 and the generated secrets 0600', () => {
    const dir = join(dataDir(), 'data');
    loadEnv({ PRE_DATA_DIR: dir });
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(dir, 'jwt-secret')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(dir, 'child-key-secret')).mode & 0o777).toString(8)).toBe('600');
  });

  it('requires the TLS key with the TLS certificate', () => {
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), TEMPORAL_TLS_CERT_PATH: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH: required with TEMPORAL_TLS_CERT_PATH/);
  });

  it('runs an unversioned worker by default, a versioned auto-upgrade one with PRE_WORKER_DEPLOYMENT and PRE_WORKER_BUILD_ID (both or neither)', () => {
    expect(workerDeploymentOptionsOf(loadEnv({ PRE_DATA_DIR: dataDir() }))).toEqual({});
    expect(workerDeploymentOptionsOf(loadEnv({ PRE_DATA_DIR: dataDir(), PRE_WORKER_DEPLOYMENT: 'pre-orchestrator', PRE_WORKER_BUILD_ID: '1.4.2+5ce61c0' }))).toEqual({
      workerDeploymentOptions: { useWorkerVersioning: true, version: { deploymentName: 'pre-orchestrator', buildId: '1.4.2+5ce61c0' }, defaultVersioningBehavior: 'AUTO_UPGRADE' },
    });
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), PRE_WORKER_DEPLOYMENT: 'pre-orchestrator' })).toThrow(/PRE_WORKER_BUILD_ID: required with PRE_WORKER_DEPLOYMENT/);
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), PRE_WORKER_BUILD_ID: 'abc' })).toThrow(/PRE_WORKER_DEPLOYMENT: required with PRE_WORKER_BUILD_ID/);
    // the server refuses "." and ":" in a deployment name, and "__" at the start of either
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), PRE_WORKER_DEPLOYMENT: 'pre.orchestrator', PRE_WORKER_BUILD_ID: 'abc' })).toThrow(/PRE_WORKER_DEPLOYMENT \("pre.orchestrator"\): PRE_WORKER_DEPLOYMENT must be/);
    expect(() => loadEnv({ PRE_DATA_DIR: dataDir(), PRE_WORKER_DEPLOYMENT: 'pre', PRE_WORKER_BUILD_ID: '__abc' })).toThrow(/PRE_WORKER_BUILD_ID \("__abc"\)/);
  });
});
