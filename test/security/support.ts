/** Helpers of the security tests (issue 13): tokens of every shape, counting what a test app started. */
import { SignJWT, type JWTPayload } from 'jose';
import { REFERRAL } from '../support/api-examples';
import { eventually, type TestApp } from '../support/app';

/** A token signed with the test app's own secret (so only its claims can be wrong), without any claim filled in for you. */
export async function rawToken(t: TestApp, claims: JWTPayload, opts: { exp?: number | string | null; iat?: number | null } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(t.config.JWT_ISSUER).setAudience(t.config.JWT_AUDIENCE);
  if (opts.iat !== null) jwt = opts.iat === undefined ? jwt.setIssuedAt() : jwt.setIssuedAt(opts.iat);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? '1h');
  return jwt.sign(new TextEncoder().encode(t.config.jwtSecret!));
}

/** How many workflows the app started on its own task queue (visibility; eventually consistent, so a caller waits for a known count first). */
export function countStarted(t: TestApp): Promise<number> {
  // a referral also claims its child's registry (workflows/registry/child-registry.ts) and records its acknowledgement
  // (a notification workflow, workflows/notifications): neither is a case of its own
  return t.client.workflow
    .count(`TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}' AND WorkflowType != 'childRegistryWorkflow' AND WorkflowType != 'notificationWorkflow'`)
    .then((c) => c.count);
}

/** Waits until exactly `n` workflows are visible on the app's task queue, then checks it stays so. */
export async function expectStarted(t: TestApp, n: number): Promise<void> {
  await eventually(async () => (await countStarted(t)) === n, 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(await countStarted(t)).toBe(n);
}

const FIRST_NAMES = ['Lina', 'Adam', 'Nour', 'Yanis', 'Inès', 'Rayan', 'Sara', 'Ilyes', 'Maya', 'Noah', 'Lou', 'Sami', 'Jade', 'Amir', 'Léa', 'Enzo'];

/** The API.md referral for the i-th child of a test (another name and birth date: no duplicate of another). */
export function referralOf(i: number, suffix = '') {
  return {
    ...REFERRAL,
    child: { ...REFERRAL.child, firstName: FIRST_NAMES[i % FIRST_NAMES.length], lastName: `Benali${suffix}`, birthDate: `2016-03-${String(1 + (i % 28)).padStart(2, '0')}` },
  };
}
