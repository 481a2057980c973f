/**
 * fault-remediation as a service definition: its settings, its dependencies and how an instance
 * is made. `main.ts` hands this to service-kit's `runServiceMain`; tests and the local stack can
 * start it through `launchService` the same way.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, counter, defineService, histogram } from '@nvsentinel/service-kit';
import { loadLogCollectorSettings } from './config/log-collector-settings.js';
import { parseRemediationConfig } from './config/remediation-config.js';
import { settingsSchema } from './config/settings.js';
import { createFaultRemediation } from './service.js';
import { CLIENT_NAME } from './stream/pipeline.js';

export const faultRemediationService = defineService({
  name: CLIENT_NAME,
  description:
    'fault-remediation: creates the maintenance CR (RebootNode, TerminateNode, GPUReset) for quarantined, drained nodes.',
  settings: settingsSchema,
  needs: { datastore: true, kube: true },
  kubeOptions: (settings, registry) => {
    // Ours, not upstream's: the API budget and the API server's answer times bound how fast a
    // burst of drained nodes gets its CRs, so both are visible.
    const requests = counter(registry, {
      name: 'fault_remediation_kube_requests_total',
      help: 'Kubernetes API requests sent, by verb, resource and HTTP status',
      labelNames: ['verb', 'resource', 'code'],
    });
    const duration = histogram(registry, {
      name: 'fault_remediation_kube_request_duration_seconds',
      help: 'Kubernetes API request latency (sent to answered, without the rate limiter wait), by verb and resource',
      labelNames: ['verb', 'resource'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    const throttled = counter(registry, {
      name: 'fault_remediation_kube_throttled_seconds_total',
      help: 'Time requests waited for the client-side rate limiter (--qps / --burst)',
    });
    return {
      qps: settings.qps,
      burst: settings.burst,
      metrics: {
        onRequest: (r) => {
          requests.inc({ verb: r.verb, resource: r.resource, code: String(r.statusCode ?? 'none') });
          duration.observe({ verb: r.verb, resource: r.resource }, r.durationMs / 1000);
          if (r.throttledMs > 0) throttled.inc(r.throttledMs / 1000);
        },
      },
    };
  },
  create({ settings, datastore, kube, logger, registry, namespace }) {
    let text: string;
    try {
      text = readFileSync(settings.configPath, 'utf8');
    } catch (err) {
      throw new ConfigError([
        {
          source: '--config-path',
          message: `cannot read ${settings.configPath} (${(err as Error).message}); mount it or pass --config-path`,
        },
      ]);
    }
    // Templates are compiled (and rendered once with a sample event) here: a bad one stops the start.
    const config = parseRemediationConfig(text, settings.configPath);
    const logCollector = settings.enableLogCollector
      ? loadLogCollectorSettings(
          { manifestPath: settings.logCollectorManifestPath, timeoutMs: settings.logCollectorTimeout },
          config,
        )
      : undefined;
    return createFaultRemediation({
      datastore,
      kube,
      logger,
      namespace,
      config,
      registry,
      options: {
        dryRun: settings.dryRun,
        workers: settings.workers,
        coldStartBatchSize: settings.coldStartBatchSize,
        resumeControl: settings.resumeControl,
        startFresh: settings.startFresh,
        inProgressRequeueMs: settings.inProgressRequeue,
        leaderElect: settings.leaderElect,
        ...(settings.leaderElectNamespace ? { leaderElectionNamespace: settings.leaderElectNamespace } : {}),
        leaderElectionId: settings.leaderElectId,
        leaseDurationMs: settings.leaseDuration,
        renewDeadlineMs: settings.renewDeadline,
        retryPeriodMs: settings.retryPeriod,
        ...(logCollector ? { logCollector } : {}),
      },
    });
  },
});
