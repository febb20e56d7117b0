// Reading an MCP tool result back as the text an assistant sees in its `tool` message.

/** Text parts joined by newlines; other parts (images, resources) as their JSON. Accepts any callTool result. */
export function toolResultText(result: unknown): string {
  const content = (result as { content?: unknown } | null)?.content;
  if (!Array.isArray(content)) {
    const legacy = (result as { toolResult?: unknown } | null)?.toolResult; // pre-2025 servers
    return legacy === undefined ? '' : typeof legacy === 'string' ? legacy : JSON.stringify(legacy);
  }
  return content
    .map((c: { type?: string; text?: string }) => (c?.type === 'text' ? (c.text ?? '') : JSON.stringify(c)))
    .join('\n');
}
