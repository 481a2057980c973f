/**
 * Errors of the CSP providers and of the CSP provider gRPC server/client (NVS_ERR_JANITOR_CSP_*).
 * `retryable` is the contract with the controllers: a retryable error means "ask again later"
 * (the gRPC server answers UNAVAILABLE), anything else is terminal for the request.
 */
import { createErrorClass } from '@nvsentinel/service-kit';

export const ProviderIdInvalidError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_PROVIDER_ID_INVALID',
  "node %s has spec.providerID '%s', which the %s provider cannot use: expected %s. Fix the node or CSP",
  { status: 400 },
);

export const UnknownProviderError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_UNKNOWN',
  "CSP '%s' is not a provider janitor-provider knows; set CSP to one of: %s",
  { status: 400 },
);

export const ProviderConfigError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_CONFIG',
  'the %s provider is misconfigured: %s',
  { status: 400 },
);

export const CspAuthError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_AUTH',
  '%s refused janitor-provider (%s) while trying to %s node %s: %s. Fix its credentials or permissions',
  { status: 403 },
);

export const CspThrottledError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_THROTTLED',
  '%s kept throttling %s for node %s after %s attempts (%s); the request will be retried later',
  { retryable: true, status: 429 },
);

export const InstanceNotFoundError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_INSTANCE_NOT_FOUND',
  '%s has no instance %s for node %s (%s): the machine is gone or the providerID is stale',
  { status: 404 },
);

export const CspRequestFailedError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_REQUEST_FAILED',
  '%s could not %s node %s: %s',
);

export const CspUnavailableError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_UNAVAILABLE',
  '%s could not %s node %s for now (%s); the request will be retried later',
  { retryable: true, status: 503 },
);

export const RequestRefInvalidError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_REQUEST_REF_INVALID',
  "request reference '%s' for node %s was not issued by the %s provider (%s); send a new reboot signal",
  { status: 400 },
);

export const RebootFailedError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_REBOOT_FAILED',
  'the reboot of node %s failed: %s',
);

export const TerminateUnsupportedError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_TERMINATE_UNSUPPORTED',
  'the %s provider cannot terminate node %s: %s',
  { status: 501 },
);

export const NodeNotFoundError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_NODE_NOT_FOUND',
  'node %s does not exist in the cluster; janitor-provider resolves the node by name before calling the CSP',
  { status: 404 },
);

export const CspCallDeniedError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_CALL_DENIED',
  'janitor-provider refused the call: %s. Mount a service-account token for one of the audiences in AUTH_AUDIENCES',
  { status: 401 },
);

export const CspServerConfigError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_SERVER_CONFIG',
  'janitor-provider cannot start: %s',
  { status: 400 },
);

/** What the gRPC client (csp-server/client.ts) throws for a failed call it must not retry. */
export const CspCallFailedError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_CALL_FAILED',
  'janitor-provider answered %s to %s for node %s: %s',
);

/** What the gRPC client throws for UNAVAILABLE / DEADLINE_EXCEEDED: the controller requeues. */
export const CspCallUnavailableError = createErrorClass(
  'NVS_ERR_JANITOR_CSP_CALL_UNAVAILABLE',
  'janitor-provider could not answer %s for node %s now (%s: %s); ask again later',
  { retryable: true },
);
