/** janitor's error catalogue (NVS_ERR_JANITOR_*): stable codes, messages that say what to do. */
import { createErrorClass } from '@nvsentinel/service-kit';

export const JanitorConfigError = createErrorClass(
  'NVS_ERR_JANITOR_CONFIG_INVALID',
  'janitor configuration %s is invalid: %s. Fix the file (see apps/janitor/README.md for every key) and restart',
);

export const WebhookConfigError = createErrorClass(
  'NVS_ERR_JANITOR_WEBHOOK_CONFIG',
  'the admission webhook cannot start: %s. Mount the serving certificate and key (--webhook-cert-dir) or disable the webhook',
);

export const LeaderElectionError = createErrorClass(
  'NVS_ERR_JANITOR_LEADER_ELECTION',
  'leader election on Lease %s failed: %s. Check that janitor may get, create and update leases in its namespace',
  { retryable: true },
);

export const NodeLockError = createErrorClass(
  'NVS_ERR_JANITOR_NODE_LOCK',
  'the node lock (Lease %s) could not be %s: %s. Check that janitor may create and delete leases in its namespace',
  { retryable: true },
);

export const GpuResetJobError = createErrorClass(
  'NVS_ERR_JANITOR_GPU_RESET_JOB',
  'the GPU reset Job for %s could not be created: %s. Check gpuResetController.resetJob and janitor’s RBAC for jobs',
  { retryable: true },
);
