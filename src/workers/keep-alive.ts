// Heartbeats for activities that do not beat themselves: while one of them runs, the worker beats every
// two seconds, so the activity's heartbeat timeout notices a dead worker within seconds however long the
// work takes (prepareRun importing a slow live MCP server). Activities that beat with details (resume
// points) are not named here: a detail-less beat would overwrite what they sent.
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';

export const KEEP_ALIVE_EVERY_MS = 2_000;
/** The activities the worker keeps alive: their options (src/workflows/options.ts `prepare`) carry a heartbeat timeout. */
export const KEPT_ALIVE: ReadonlySet<string> = new Set(['prepareRun']);

export function keepAlive(
  activityTypes: ReadonlySet<string> = KEPT_ALIVE,
  everyMs = KEEP_ALIVE_EVERY_MS,
): ActivityInterceptorsFactory {
  return (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        if (!activityTypes.has(ctx.info.activityType)) return next(input);
        const timer = setInterval(() => ctx.heartbeat(), everyMs);
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
        }
      },
    };
    return { inbound };
  };
}
