// The verifier's gates by name and one gate's verdict on a trajectory: what a rejection is counted by,
// in the dataset card, the cycle record and the planner.
import { z } from 'zod';

export const GateNameSchema = z.enum(['goal_sanity', 'format', 'schema', 'goal_match', 'execution', 'novelty']);
export type GateName = z.infer<typeof GateNameSchema>;
export const GateVerdictSchema = z.object({ gate: GateNameSchema, pass: z.boolean(), reason: z.string().optional() });
export type GateVerdict = z.infer<typeof GateVerdictSchema>;
