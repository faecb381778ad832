/** The worker's workflowsPath: workflow functions only. */
export {};
