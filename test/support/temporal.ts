// Test support: a real Temporal dev server per test file and worker processes the tests can kill -9.
// They live in temporal/harness.ts, below the entry points, because the pipeline benchmarks start them too.
export * from '../../temporal/harness.js';
