/**
 * Search attributes registered moments ago are not yet usable (test/cluster/tls.spec.ts met a 500 on a referral right
 * after the admin job): readiness waits for the server to use them, and a start refused meanwhile is a 503 to retry.
 */
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { indexedValueType, missingPrerequisites, prerequisitesDetail, registerSearchAttributes, type TemporalServices } from '../../src/temporal/prerequisites';
import { temporalProblem } from '../../src/temporal/failure-problem';

/** A namespace with every attribute registered; its visibility refuses `refused` (as the server does while its cache is stale). */
function services(refused?: string): TemporalServices & { queries: string[] } {
  const queries: string[] = [];
  const customAttributes = Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, indexedValueType(k.type)]));
  return {
    queries,
    workflowService: {
      describeNamespace: async () => ({}),
      registerNamespace: async () => ({}),
      countWorkflowExecutions: async (req: { query?: string | null }) => {
        queries.push(req.query ?? '');
        if (refused) throw Object.assign(new Error(`3 INVALID_ARGUMENT: invalid query: invalid search attribute: ${refused}`), { code: 3 });
        return { count: 0 };
      },
    },
    operatorService: { listSearchAttributes: async () => ({ customAttributes }), addSearchAttributes: async () => ({}) },
  } as unknown as TemporalServices & { queries: string[] };
}

describe('search attributes registered but not yet used by the server', () => {
  it('readiness reports them pending (not missing) until a visibility query naming every one is accepted', async () => {
    const pending = services('PreStage');
    const missing = await missingPrerequisites(pending, 'default');
    expect(missing).toEqual([expect.objectContaining({ kind: 'search-attribute-pending', name: 'PreStage' })]);
    expect(prerequisitesDetail(missing, 'default')).toMatch(/does not use PreStage yet/);
    for (const k of SEARCH_ATTRIBUTES) expect(pending.queries[0]).toContain(`${k.name} IS NULL`);
    expect(await missingPrerequisites(services(), 'default')).toEqual([]);
  });

  it('registration counts them as registered (nothing to add, no error)', async () => {
    await expect(registerSearchAttributes(services('PreStage'), 'default')).resolves.toEqual([]);
  });

  it('a start refused meanwhile answers 503 with Retry-After, not 500', () => {
    const answer = temporalProblem(new Error('Namespace default has no mapping defined for search attribute PreOverdue'));
    expect(answer).toMatchObject({ body: { status: 503 }, headers: { 'Retry-After': '5' } });
  });
});
