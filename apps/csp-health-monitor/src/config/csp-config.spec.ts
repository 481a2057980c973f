import { describe, expect, it } from 'vitest';
import { parseCspConfig } from './csp-config.js';

describe('parseCspConfig (upstream TOML)', () => {
  it('reads upstream keys with their defaults', () => {
    const config = parseCspConfig(`
clusterName = "c1"
[gcp]
enabled = true
targetProjectId = "p"
logFilter = 'protoPayload.methodName="compute.instances.upcomingMaintenance"'
endpointOverride = "localhost:8080"
`);
    expect(config).toMatchObject({
      maintenanceEventPollIntervalSeconds: 60,
      triggerQuarantineWorkflowTimeLimitMinutes: 30,
      postMaintenanceHealthyDelayMinutes: 15,
      nodeReadinessTimeoutMinutes: 60,
      maintenanceEventPollIntervalMs: 60_000,
      triggerQuarantineWorkflowTimeLimitMs: 30 * 60_000,
      postMaintenanceHealthyDelayMs: 15 * 60_000,
      nodeReadinessTimeoutMs: 60 * 60_000,
      shortPollIntervalAllowed: false,
      clusterName: 'c1',
      csp: 'gcp',
      gcp: { targetProjectId: 'p', apiPollingIntervalSeconds: 60, endpointOverride: 'localhost:8080' },
      aws: { pollingIntervalSeconds: 60 },
    });
  });

  it('accepts no CSP at all (the notifier alone)', () => {
    expect(parseCspConfig('clusterName = "c"').csp).toBeUndefined();
  });

  it('enforces the minimums, the one-CSP rule and required keys, reporting every problem at once', () => {
    const attempt = () =>
      parseCspConfig(`
maintenanceEventPollIntervalSeconds = 5
triggerQuarantineWorkflowTimeLimitMinutes = 0
postMaintenanceHealthyDelayMinutes = 0
nodeReadinessTimeoutMinutes = 0
[gcp]
enabled = true
apiPollingIntervalSeconds = 10
[aws]
enabled = true
pollingIntervalSeconds = 29
`);
    expect(attempt).toThrow(/NVS_ERR_CSP_CONFIG_INVALID|invalid/);
    try {
      attempt();
    } catch (err) {
      const message = (err as Error).message;
      expect((err as { code: string }).code).toBe('NVS_ERR_CSP_CONFIG_INVALID');
      for (const expected of [
        'maintenanceEventPollIntervalSeconds must be at least 10',
        'triggerQuarantineWorkflowTimeLimitMinutes must be at least 1',
        'postMaintenanceHealthyDelayMinutes must be at least 1',
        'nodeReadinessTimeoutMinutes must be at least 1',
        'at most one CSP may be enabled, found gcp, aws',
        'clusterName is required',
      ]) {
        expect(message).toContain(expected);
      }
    }
  });

  it('takes seconds-resolution twins of the minute keys, and a poll below 10 s only with the testing switch', () => {
    const config = parseCspConfig(`
clusterName = "c"
maintenanceEventPollIntervalSeconds = 1
triggerQuarantineWorkflowTimeLimitSeconds = 45
postMaintenanceHealthyDelaySeconds = 2
nodeReadinessTimeoutMinutes = 3
[testing]
allowShortPollInterval = true
`);
    expect(config).toMatchObject({
      maintenanceEventPollIntervalSeconds: 1,
      maintenanceEventPollIntervalMs: 1_000,
      shortPollIntervalAllowed: true,
      triggerQuarantineWorkflowTimeLimitMs: 45_000,
      postMaintenanceHealthyDelayMs: 2_000,
      // A minute key without a twin still counts in minutes.
      nodeReadinessTimeoutMs: 180_000,
    });
    expect(() => parseCspConfig('clusterName = "c"\nmaintenanceEventPollIntervalSeconds = 1')).toThrow(
      /maintenanceEventPollIntervalSeconds must be at least 10, got 1 \(below that only with \[testing\] allowShortPollInterval = true/,
    );
    expect(() =>
      parseCspConfig(
        'clusterName = "c"\npostMaintenanceHealthyDelayMinutes = 1\npostMaintenanceHealthyDelaySeconds = 5',
      ),
    ).toThrow(/postMaintenanceHealthyDelayMinutes and postMaintenanceHealthyDelaySeconds are both set; keep one/);
    expect(() => parseCspConfig('clusterName = "c"\nnodeReadinessTimeoutSeconds = 0')).toThrow(
      /nodeReadinessTimeoutSeconds must be at least 1, got 0/,
    );
    expect(() => parseCspConfig('clusterName = "c"\n[testing]\nfast = true')).toThrow(/unknown key 'testing.fast'/);
  });

  it('applies the 30 s polling minimum only to the enabled CSP', () => {
    const config = parseCspConfig(`
clusterName = "c"
[aws]
enabled = true
region = "us-east-1"
pollingIntervalSeconds = 30
[gcp]
apiPollingIntervalSeconds = 5
`);
    expect(config.aws.pollingIntervalSeconds).toBe(30);
    expect(config.gcp.apiPollingIntervalSeconds).toBe(5);
    expect(() =>
      parseCspConfig('clusterName = "c"\n[aws]\nenabled = true\nregion = "r"\npollingIntervalSeconds = 29'),
    ).toThrow(/aws.pollingIntervalSeconds must be at least 30/);
  });

  it('names unknown keys, wrong types and broken TOML', () => {
    expect(() => parseCspConfig('clusterName = "c"\nfoo = 1')).toThrow(/unknown key 'foo'/);
    expect(() => parseCspConfig('clusterName = 3')).toThrow(/clusterName must be a string/);
    expect(() => parseCspConfig('clusterName = ')).toThrow(/not valid TOML/);
    expect(() => parseCspConfig('clusterName = "c"\n[aws]\nenabled = true')).toThrow(/aws.region is required/);
  });
});
