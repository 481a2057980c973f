/**
 * fault-quarantine as a service definition: its settings, its dependencies and how an instance
 * is made. `main.ts` hands this to service-kit's `runServiceMain`; the local stack and the tests
 * start it through `launchService` the same way.
 */
import { existsSync } from 'node:fs';
import { consumerReadinessCheck, defineService } from '@nvsentinel/service-kit';
import { DEFAULT_CONFIG_PATH } from './config/default-config.js';
import { loadConfigFile } from './config/parse-config.js';
import { CHART_CONFIG_PATH, settingsSchema } from './config/settings.js';
import { CLIENT_NAME } from './pipeline.js';
import { RuleEngine } from './rules/rule-engine.js';
import { createFaultQuarantine, type FaultQuarantine, type FaultQuarantineDeps } from './service.js';

/** In-process observation (tests, the local stack): `launchService(…, { hooks })`. */
export interface FaultQuarantineHooks {
  onOutcome?: FaultQuarantineDeps['onOutcome'];
}

export const faultQuarantineService = defineService({
  name: CLIENT_NAME,
  description:
    'fault-quarantine: evaluates CEL rule sets on health events and cordons, taints and labels the faulty nodes.',
  settings: settingsSchema,
  needs: { datastore: true, kube: true },
  kubeOptions: (settings) => ({ qps: settings.qps, burst: settings.burst }),
  create({ settings, datastore, kube, logger, registry, namespace, hooks }) {
    const { onOutcome } = hooks as FaultQuarantineHooks;
    // An explicitly named file must exist (a typo must not silently select other rules).
    let path = settings.configPath;
    if (!path) {
      path = existsSync(CHART_CONFIG_PATH) ? CHART_CONFIG_PATH : DEFAULT_CONFIG_PATH;
      if (path === DEFAULT_CONFIG_PATH)
        logger.info({ configPath: path }, 'no --config-path given; using the shipped default rule sets');
    }
    const config = loadConfigFile(path);
    RuleEngine.compile(config.ruleSets);
    const fq: FaultQuarantine = createFaultQuarantine({
      dataStore: datastore,
      kube,
      logger,
      config,
      registry,
      options: {
        namespace,
        dryRun: settings.dryRun,
        circuitBreakerEnabled: settings.circuitBreakerEnabled,
        gpuNodeLabel: settings.gpuNodeLabel,
        workers: settings.workers,
        maxInFlight: settings.maxInFlight,
        coldStartWindowMs: settings.coldStartWindow,
      },
      ...(onOutcome ? { onOutcome } : {}),
    });
    return {
      async start() {
        await fq.start();
      },
      async stop() {
        await fq.stop();
      },
      // Read by the entry point once start() resolved: the consumer exists from then on.
      get done() {
        return fq.consumer?.done;
      },
      readinessChecks: () => ({
        'change-stream': () =>
          fq.consumer ? consumerReadinessCheck(fq.consumer)() : { ok: false, detail: 'starting' },
      }),
    };
  },
});
