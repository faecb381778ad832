/** What build B (workflows.ts) adds to the parcours, shared with the test that checks it (no imports: bundled). */
export const BUILD_B_PATCH = 'test-cluster-build-b';
export const BUILD_B_QUERY = 'testClusterWorkerBuild';
export interface BuildAnswer {
  build: 'B';
  /** Whether this execution started on build B: its first workflow task took the patched() branch and recorded the marker. */
  startedOnB: boolean;
}
