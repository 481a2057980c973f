/**
 * csp-health-monitor's configuration for end-to-end tests: the `sim` CSP with every delay in
 * seconds (the `…Seconds` keys and the explicit `[testing]` switch of csp-config.ts), so a
 * scheduled maintenance window plays out in seconds instead of upstream's minutes.
 */

/** The notifier quarantines a node once its window starts within this many seconds. */
const QUARANTINE_LEAD_SECONDS = 60;
/** Healthy is sent this long after the window ended (and the node is Ready). */
export const HEALTHY_DELAY_SECONDS = 1;

export const FAST_MAINTENANCE_TOML = `
# Written by the end-to-end tests: a maintenance window of seconds.
maintenanceEventPollIntervalSeconds = 1
triggerQuarantineWorkflowTimeLimitSeconds = ${QUARANTINE_LEAD_SECONDS}
postMaintenanceHealthyDelaySeconds = ${HEALTHY_DELAY_SECONDS}
nodeReadinessTimeoutSeconds = 120
clusterName = "e2e"

[testing]
allowShortPollInterval = true

[sim]
enabled = true
pollingIntervalSeconds = 1
`;
