/**
 * health-events-analyzer as a service definition: its settings, its dependencies and how an
 * instance is made. `main.ts` hands this to service-kit's `runServiceMain`; tests and the local
 * stack start it through `launchService` the same way.
 *
 * Everything an operator can get wrong is found in `create` and reported as a ConfigError (exit
 * 2): an unreadable or invalid rules file, a bad `--rule-switches` or `--processing-strategy`, and
 * a rule the datastore's pipeline translator cannot run (named with its stage and operator).
 */
import { ConfigError, defineService, type ServiceContext } from '@nvsentinel/service-kit';
import { analyzerInputs } from './config/from-settings.js';
import { settingsSchema } from './config/settings.js';
import { checkRulesCompile } from './rules/evaluate.js';
import { createHealthEventsAnalyzer, type HealthEventsAnalyzerDeps } from './service.js';
import { CLIENT_NAME } from './stream/pipeline.js';

/** In-process observation and doubles (tests, the local stack): `launchService(…, { hooks })`. */
export interface HealthEventsAnalyzerHooks {
  /** Replaces the gRPC publisher (a recording one in tests). */
  publisher?: HealthEventsAnalyzerDeps['publisher'];
}

const ANALYZER_ERROR_CODES = new Set([
  'NVS_ERR_ANALYZER_RULE_CONFIG_INVALID',
  'NVS_ERR_ANALYZER_RULE_UNSUPPORTED',
  'NVS_ERR_ANALYZER_THIS_PATH',
]);

export const healthEventsAnalyzerService = defineService({
  name: CLIENT_NAME,
  description:
    'health-events-analyzer: runs history rules over each unhealthy event and publishes matches as new health events.',
  settings: settingsSchema,
  needs: { datastore: true, kube: false },
  async create({ settings, datastore, logger, registry, namespace, hooks }: ServiceContext<typeof settingsSchema>) {
    const { publisher } = hooks as HealthEventsAnalyzerHooks;
    const source = settings.configPath ? '--config-path' : 'the default rules file';
    try {
      const { rules, rulesPath, options } = await analyzerInputs(settings, logger);
      if (!settings.configPath)
        logger.info({ configPath: rulesPath }, 'no --config-path given; using the default rules file');
      // Compiled here, not in start(): a rule the translator refuses is a configuration mistake.
      await checkRulesCompile(datastore, rules);
      return createHealthEventsAnalyzer({
        datastore,
        logger,
        registry,
        namespace,
        rules,
        rulesCompiled: true,
        ...(publisher ? { publisher } : {}),
        options,
      });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && ANALYZER_ERROR_CODES.has(code)) {
        throw new ConfigError([{ source, message: (err as Error).message }]);
      }
      throw err;
    }
  },
});
