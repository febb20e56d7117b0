// The workflow bundle's entry point: every workflow type a worker registers.
export { evolutionWorkflow } from './evolution.js';
export { cycleWorkflow } from './cycle.js';
export { synthesisLaneWorkflow } from './synthesis-lane.js';
