// Resolves where Temporal is: the user's configuration through @temporalio/envconfig conventions
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, profiles), or else the embedded dev server.
import { loadClientConfigProfile, loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export type TemporalTarget = {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  /** True when the user configured an address (env or profile): never start the embedded server then. */
  configured: boolean;
  uiUrl: string | null;
};

export function resolveTemporalTarget(): TemporalTarget {
  const profile = loadClientConfigProfile();
  const { connectionOptions, namespace } = loadClientConnectConfig();
  const configured = Boolean(profile.address);
  const address = profile.address ?? '127.0.0.1:7233';
  const local = /^(127\.0\.0\.1|localhost):/.test(address);
  return {
    connectionOptions: { ...connectionOptions, address },
    namespace: namespace ?? 'default',
    configured,
    uiUrl: process.env.INFTOOL_TEMPORAL_UI ?? (local ? 'http://localhost:8233' : null),
  };
}

export function workflowUiLink(uiUrl: string | null, namespace: string, workflowId: string): string | null {
  return uiUrl
    ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`
    : null;
}
