/** csp-health-monitor's error catalogue (NVS_ERR_CSP_*): stable codes, messages that say what to do. */
import { createErrorClass } from '@nvsentinel/service-kit';

export const CspConfigError = createErrorClass(
  'NVS_ERR_CSP_CONFIG_INVALID',
  'csp-health-monitor configuration %s is invalid: %s. Fix the file (see apps/csp-health-monitor/README.md for every key) and restart',
);

export const CspApiError = createErrorClass(
  'NVS_ERR_CSP_API_FAILED',
  '%s API call %s failed (%s); the poll is retried at the next interval without advancing its checkpoint',
  { retryable: true },
);

export const CspPayloadError = createErrorClass(
  'NVS_ERR_CSP_PAYLOAD_MALFORMED',
  '%s returned a malformed payload (%s). A bad item is skipped and counted in csp_health_monitor_main_normalization_errors_total; a bad response fails the poll, which is retried',
);

export const TriggerMappingError = createErrorClass(
  'NVS_ERR_CSP_TRIGGER_MAPPING',
  'maintenance event %s cannot be turned into a health event: %s. The monitor writes nodeName, resourceType and resourceId; check that the node exists in the cluster',
);

export const TriggerSendError = createErrorClass(
  'NVS_ERR_CSP_TRIGGER_SEND_FAILED',
  'sending the %s trigger of maintenance event %s to platform-connectors failed after retries (%s); the next poll retries it. Check that platform-connectors listens on the socket',
  { retryable: true },
);

export const SimScheduleError = createErrorClass(
  'NVS_ERR_CSP_SIM_SCHEDULE_INVALID',
  'sim maintenance schedule is invalid: %s',
);
