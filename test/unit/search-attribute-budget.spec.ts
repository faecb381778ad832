/**
 * Issue 18, item 3: the project's custom search attributes fit every visibility store the project supports. The SQL
 * stores pre-allocate 10 Keyword columns and 3 of every other type: an 11th Keyword (or a 4th Datetime) would be
 * refused at registration in production while the dev server's tests still passed. (test:cluster checks the same
 * figures against the schema files of the Temporal server it builds.)
 */
import { SearchAttributeType } from '@temporalio/common';
import { CLI_TYPE_NAMES, SEARCH_ATTRIBUTES, VISIBILITY_STORE_LIMITS, searchAttributeCliArgs } from '../../workflows/shared/search-attributes';

function countsByType(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of SEARCH_ATTRIBUTES) counts[k.type] = (counts[k.type] ?? 0) + 1;
  return counts;
}

describe('search-attribute budget (issue 18, item 3)', () => {
  it.each(Object.entries(VISIBILITY_STORE_LIMITS))('fits the %s visibility store: per type and per workflow', (_store, limits) => {
    const counts = countsByType();
    for (const [type, used] of Object.entries(counts)) {
      if (limits.perType) expect({ type, used }).toEqual({ type, used: Math.min(used, limits.perType[type as SearchAttributeType]) });
    }
    expect(SEARCH_ATTRIBUTES.length).toBeLessThanOrEqual(limits.keysPerWorkflow);
  });

  it('uses today 10 Keyword (the SQL maximum), 3 Datetime (the maximum), 1 Bool, 1 Int, 1 KeywordList (the filters of the notifications): the budget left is stated', () => {
    const counts = countsByType();
    const sql = VISIBILITY_STORE_LIMITS.postgres12.perType!;
    const left = Object.fromEntries(Object.entries(sql).map(([type, max]) => [type, max - (counts[type] ?? 0)]));
    expect(left).toEqual({
      [SearchAttributeType.KEYWORD]: 0,
      [SearchAttributeType.DATETIME]: 0,
      [SearchAttributeType.BOOL]: 2,
      [SearchAttributeType.INT]: 2,
      [SearchAttributeType.DOUBLE]: 3,
      [SearchAttributeType.TEXT]: 3,
      [SearchAttributeType.KEYWORD_LIST]: 2,
    });
  });

  it('has unique names that Temporal accepts (not reserved, no system name), each with a type the CLI knows', () => {
    const names = SEARCH_ATTRIBUTES.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^Pre[A-Z][A-Za-z0-9]*$/);
      expect(name.startsWith('Temporal')).toBe(false);
    }
    for (const k of SEARCH_ATTRIBUTES) expect(CLI_TYPE_NAMES[k.type]).toBeDefined();
    expect(searchAttributeCliArgs()).toHaveLength(SEARCH_ATTRIBUTES.length);
  });
});
