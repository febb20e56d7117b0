// The planner's public surface: gap targeting (plans), hard-sample mining, stopping rules, and the
// mapping from BFCL error types to error classes. Pure functions only; no I/O.
export {
  initialPlan,
  planNextCycle,
  planAfterCycle,
  type InitialPlanInput,
  type NextPlanInput,
  type ToolSetsByCategory,
} from './planner.js';
export {
  classifyRollouts,
  RolloutConsistencySchema,
  type RolloutConsistency,
  type RolloutClasses,
} from './rollouts.js';
export { shouldStop, validationScore } from './stopping.js';
export {
  PlannerConfigSchema,
  StopRulesSchema,
  BenchmarkSplitSchema,
  type PlannerConfig,
  type PlannerConfigInput,
  type StopRules,
} from './config.js';
export {
  classifyErrorType,
  summarizeValidation,
  validationFromRecord,
  errorClassTotals,
  ValidationSummarySchema,
  type ValidationSummary,
  type CategoryAccuracy,
} from './error-classes.js';
export {
  PlanSchema,
  ERROR_CLASSES,
  ErrorClassSchema,
  type Plan,
  type PlanItem,
  type ErrorClass,
} from '../domain/plan.js';
export { expandPlan, expandPlanRange, planSize } from './expand.js';
