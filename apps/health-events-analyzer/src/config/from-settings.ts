/** Parsed settings → what `createHealthEventsAnalyzer` needs (the service definition calls this). */
import { existsSync } from 'node:fs';
import type { ConfigOf, Logger } from '@nvsentinel/service-kit';
import { parseProcessingStrategy, type HealthEventsAnalyzerOptions } from '../service.js';
import { DEFAULT_RULES_PATH, loadRules, parseRuleSwitches, type Rule } from './rules.js';
import { CHART_CONFIG_PATH, type settingsSchema } from './settings.js';

export type AnalyzerSettings = ConfigOf<typeof settingsSchema>;

/**
 * The rules file: `--config-path` when given (it must exist: a typo must not silently select
 * other rules), else the chart's mount when present, else the shipped 22 chart rules.
 */
function resolveRulesPath(configPath: string | undefined): string {
  if (configPath) return configPath;
  return existsSync(CHART_CONFIG_PATH) ? CHART_CONFIG_PATH : DEFAULT_RULES_PATH;
}

export async function analyzerInputs(
  settings: AnalyzerSettings,
  logger?: Logger,
): Promise<{ rules: Rule[]; rulesPath: string; options: Partial<HealthEventsAnalyzerOptions> }> {
  const switches = settings.ruleSwitches ? parseRuleSwitches(settings.ruleSwitches) : {};
  const rulesPath = resolveRulesPath(settings.configPath);
  const rules = await loadRules(rulesPath, { switches, ...(logger ? { logger } : {}) });
  return {
    rules,
    rulesPath,
    options: {
      socket: settings.socket,
      processingStrategy: parseProcessingStrategy(settings.processingStrategy),
      workers: settings.workers,
      maxInFlight: settings.maxInFlight,
      startAt: settings.startFresh ? 'now' : 'resume',
      coldStartWindowMs: settings.coldStartWindow,
    },
  };
}
