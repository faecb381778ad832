/**
 * Issue 13, row 7 (strict tokens): a token without `exp`, with a singular `role` claim, with a numeric `sub`, living
 * longer than JWT_MAX_LIFETIME_HOURS, not valid yet (`nbf`), with an unknown role or a `sub` outside the allowed form
 * is answered 401 problem+json, and no case is started. The tokens the project mints (test helper, `npm run token`)
 * still pass.
 */
import { signDevToken } from '../../src/auth/dev-token';
import { startTestApp, type TestApp } from '../support/app';
import { expectStarted, rawToken, referralOf } from './support';

describe('strict tokens (issue 13, row 7)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 to every token of a refused shape, and starts nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Promise<string>, string]> = [
      ['no exp', rawToken(t, { sub: 'u-ref-1', roles: ['referent'] }, { exp: null }), 'The token must carry an expiry ("exp" claim).'],
      ['singular role', rawToken(t, { sub: 'u-ref-1', role: 'referent' }), 'The token must carry its roles as a "roles" array (a singular "role" claim is not accepted).'],
      ['singular role beside roles', rawToken(t, { sub: 'u-ref-1', roles: ['referent'], role: 'coordinator' }), 'The token must carry its roles as a "roles" array (a singular "role" claim is not accepted).'],
      ['numeric sub', rawToken(t, { sub: 42 as unknown as string, roles: ['referent'] }), 'The token\'s "sub" claim must be a string of 1 to 128 letters, digits or . _ @ -.'],
      ['quote in sub', rawToken(t, { sub: "x' OR PreReferentId != 'zz", roles: ['referent'] }), 'The token\'s "sub" claim must be a string of 1 to 128 letters, digits or . _ @ -.'],
      ['sub of 129 characters', rawToken(t, { sub: 'a'.repeat(129), roles: ['referent'] }), 'The token\'s "sub" claim must be a string of 1 to 128 letters, digits or . _ @ -.'],
      ['roles as a string', rawToken(t, { sub: 'u-ref-1', roles: 'referent' }), 'The token\'s "roles" claim must be a non-empty array of known roles (referent, coordinator, finance, supervisor, admin).'],
      ['unknown role', rawToken(t, { sub: 'u-ref-1', roles: ['referent', 'root'] }), 'The token\'s "roles" claim must be a non-empty array of known roles (referent, coordinator, finance, supervisor, admin).'],
      ['no role', rawToken(t, { sub: 'u-ref-1', roles: [] }), 'The token\'s "roles" claim must be a non-empty array of known roles (referent, coordinator, finance, supervisor, admin).'],
      ['13 h lifetime', rawToken(t, { sub: 'u-ref-1', roles: ['referent'] }, { exp: '13h' }), 'The token lives longer than the accepted 12 h ("exp" claim).'],
      ['backdated iat, 13 h lifetime', rawToken(t, { sub: 'u-ref-1', roles: ['referent'] }, { iat: now - 12 * 3600, exp: now + 3600 }), 'The token lives longer than the accepted 12 h ("exp" claim).'],
      ['no iat, 13 h left', rawToken(t, { sub: 'u-ref-1', roles: ['referent'] }, { iat: null, exp: now + 13 * 3600 }), 'The token lives longer than the accepted 12 h ("exp" claim).'],
      ['nbf in an hour', rawToken(t, { sub: 'u-ref-1', roles: ['referent'], nbf: now + 3600 }), 'The token is not valid yet ("nbf" claim).'],
      ['expired', rawToken(t, { sub: 'u-ref-1', roles: ['referent'] }, { iat: now - 7200, exp: now - 3600 }), 'The token has expired.'],
    ];
    for (const [name, token, detail] of cases) {
      const res = await t.http().post('/parcours').set('Authorization', `Bearer ${await token}`).send(referralOf(0));
      expect({ name, status: res.status, type: res.headers['content-type'], body: res.body }).toEqual({
        name,
        status: 401,
        type: expect.stringMatching(/^application\/problem\+json/),
        body: { type: 'urn:pre-orchestrator:problem:unauthorized', title: 'Unauthorized', status: 401, detail, instance: '/parcours' },
      });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="pre-orchestrator"');
    }
    // the same referral with a well-formed token starts exactly one case: the refused ones started none
    const ok = await t.http().post('/parcours').set('Authorization', `Bearer ${await rawToken(t, { sub: 'u-ref-1', roles: ['referent'] })}`).send(referralOf(0));
    expect(ok.status).toBe(201);
    await expectStarted(t, 1);
  });

  it('accepts the tokens the project mints: the test helper, `npm run token` (signDevToken, 12 h), an `nbf` in the past, an e-mail as sub', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      await t.token('u-coord-1', 'coordinator'),
      await signDevToken(t.config, 'u-sup-1', ['supervisor', 'coordinator']),
      await rawToken(t, { sub: 'o.brien@ccas-dijon.fr', roles: ['referent'], nbf: now - 60 }),
    ];
    const answers = await Promise.all(tokens.map((token) => t.http().get('/me').set('Authorization', `Bearer ${token}`)));
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, { sub: 'u-coord-1', roles: ['coordinator'] }],
      [200, { sub: 'u-sup-1', roles: ['supervisor', 'coordinator'] }],
      [200, { sub: 'o.brien@ccas-dijon.fr', roles: ['referent'] }],
    ]);
  });
});
