/** Parsed settings → what `createHealthEventsAnalyzer` needs (the entry point calls this). */
import type { ConfigOf, Logger } from '@nvsentinel/service-kit';
import { parseProcessingStrategy, type HealthEventsAnalyzerOptions } from '../service.js';
import { loadRules, parseRuleSwitches, type Rule } from './rules.js';
import type { settingsSchema } from './settings.js';

export type AnalyzerSettings = ConfigOf<typeof settingsSchema>;

export async function analyzerInputs(
  settings: AnalyzerSettings,
  logger?: Logger,
): Promise<{ rules: Rule[]; options: Partial<HealthEventsAnalyzerOptions> }> {
  const switches = settings.ruleSwitches ? parseRuleSwitches(settings.ruleSwitches) : {};
  const rules = await loadRules(settings.configPath, { switches, ...(logger ? { logger } : {}) });
  return {
    rules,
    options: {
      socket: settings.socket,
      processingStrategy: parseProcessingStrategy(settings.processingStrategy),
      workers: settings.workers,
      maxInFlight: settings.maxInFlight,
    },
  };
}
