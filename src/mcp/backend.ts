// The contract between the MCP server shell and what answers its tool calls (an LLM-simulated world
// or a real server): arguments already validated in, a value or a tool error out.
import type { Tool } from '../domain/catalog.js';

export type ToolOutcome =
  | {
      ok: true;
      value: unknown;
      tokens: number;
      /** Why the reply had to be synthesized or fixed, when it was. */ repaired?: string;
    }
  | { ok: false; error: string; tokens: number };

export interface ToolBackend {
  call(tool: Tool, args: Record<string, unknown>): Promise<ToolOutcome>;
  close(): Promise<void>;
}
