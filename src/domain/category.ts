// The categories synthesis fills and evaluation scores (BFCL's names), and the difficulty a task is
// synthesized at: what the plan counts, the verifier reports and the report charts.
import { z } from 'zod';

export const CATEGORIES = [
  'simple',
  'multiple',
  'parallel',
  'parallel_multiple',
  'irrelevance',
  'multi_turn_base',
  'multi_turn_miss_param',
  'multi_turn_miss_func',
  'multi_turn_long_context',
] as const;
export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

export const DifficultySchema = z.enum(['easy', 'medium', 'hard']);
export type Difficulty = z.infer<typeof DifficultySchema>;
