import { AUDIT_STATS } from '../src/reports/audit';
import { periodOf, type FundingFigures } from '../src/reports/indicators';
import { buildReport, PatternCache } from '../src/reports/publication';
import { populationFigures } from '../test/support/expected-figures';
const NO_FUNDING: FundingFigures = { conventions: [], grantedCents: 0, receivedCents: 0, spentCents: null };
(async () => {
  for (const n of [300]) {
    const cases = populationFigures(n, 42);
    const a = performance.now();
    await buildReport(cases, periodOf(2025, 'civil'), NO_FUNDING, new PatternCache());
    console.log(n, (performance.now() - a).toFixed(0), JSON.stringify(AUDIT_STATS));
  }
})();
