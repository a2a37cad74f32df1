/**
 * The CI gate: pure rule evaluation over diff and trend results. No I/O;
 * the `check` command reads the profiles and renders the CheckResult.
 */
export * from './allow.js';
export * from './evaluate.js';
export * from './thresholds.js';
