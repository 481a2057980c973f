/** fault-remediation's error catalogue (NVS_ERR_REMEDIATION_*): stable codes, messages that say what to do. */
import { createErrorClass } from '@nvsentinel/service-kit';

export const RemediationConfigError = createErrorClass(
  'NVS_ERR_REMEDIATION_CONFIG_INVALID',
  'fault-remediation configuration %s is invalid: %s. Fix the file (see apps/fault-remediation/README.md for every key) and restart',
);

/** A maintenance template that cannot be parsed or executed; names the file, line and construct. */
export const TemplateError = createErrorClass(
  'NVS_ERR_REMEDIATION_TEMPLATE',
  'template %s line %s: %s. Fix the template (supported constructs: apps/fault-remediation/README.md)',
);

export const RenderedManifestError = createErrorClass(
  'NVS_ERR_REMEDIATION_MANIFEST_INVALID',
  'template %s rendered a manifest that is not a Kubernetes object: %s. Fix the template so it renders one YAML object',
);

export const NodeMissingError = createErrorClass(
  'NVS_ERR_REMEDIATION_NODE_NOT_FOUND',
  'node %s does not exist, so no maintenance CR is created for event %s (upstream: a missing Node is an error)',
);

export const LeaderElectionError = createErrorClass(
  'NVS_ERR_REMEDIATION_LEADER_ELECTION',
  'leader election on Lease %s failed: %s. Check RBAC for coordination.k8s.io leases in that namespace',
  { retryable: true },
);
