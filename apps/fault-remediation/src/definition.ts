/**
 * fault-remediation as a service definition: its settings, its dependencies and how an instance
 * is made. `main.ts` hands this to service-kit's `runServiceMain`; tests and the local stack can
 * start it through `launchService` the same way.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, defineService } from '@nvsentinel/service-kit';
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
  kubeOptions: (settings) => ({ qps: settings.qps, burst: settings.burst }),
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
