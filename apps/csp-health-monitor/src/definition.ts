/**
 * csp-health-monitor as a service definition: polls the enabled CSP (gcp, aws or the local
 * stack's sim) and keeps the maintenance-event store current. `main.ts` hands it to service-kit's
 * `runServiceMain`; tests and the local stack start it through `launchService` the same way.
 */
import { defineService } from '@nvsentinel/service-kit';
import { loadCspConfig } from './config/load.js';
import { createCspHealthMonitor } from './monitor/service.js';
import { settingsSchema } from './monitor/settings.js';

export const cspHealthMonitorService = defineService({
  name: 'csp-health-monitor',
  description: "csp-health-monitor: stores the cloud provider's scheduled maintenance of the cluster's nodes.",
  settings: settingsSchema,
  needs: { datastore: true, kube: true },
  create({ settings, datastore, kube, logger, registry, namespace }) {
    const config = loadCspConfig(settings.configPath);
    return createCspHealthMonitor({ datastore, kube, logger, registry, namespace, config });
  },
});
