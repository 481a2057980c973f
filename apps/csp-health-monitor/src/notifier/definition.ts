/**
 * maintenance-notifier as a service definition: turns due maintenance events into CSPMaintenance
 * health events sent to platform-connectors' socket. Same config.toml as csp-health-monitor
 * (the chart renders one file for both containers).
 */
import { defineService } from '@nvsentinel/service-kit';
import { loadCspConfig } from '../config/load.js';
import { createMaintenanceNotifier } from './service.js';
import { settingsSchema } from './settings.js';

export const maintenanceNotifierService = defineService({
  name: 'maintenance-notifier',
  description:
    'maintenance-notifier: sends quarantine and healthy triggers for scheduled CSP maintenance to platform-connectors.',
  settings: settingsSchema,
  needs: { datastore: true, kube: true },
  create({ settings, datastore, kube, logger, registry, namespace }) {
    const config = loadCspConfig(settings.configPath);
    return createMaintenanceNotifier({
      datastore,
      kube,
      logger,
      registry,
      namespace,
      config,
      options: {
        udsPath: settings.udsPath,
        processingStrategy: settings.processingStrategy,
        sendRetries: settings.sendRetries,
        sendRetryDelayMs: settings.sendRetryDelay,
      },
    });
  },
});
