import { ProcessingStrategy, RecommendedAction } from './types.js';

/** Name → number of a numeric TS enum (TS adds number → name entries too; those are skipped). */
function enumValues(enumObject: Record<string, string | number>): Readonly<Record<string, number>> {
  const entries = Object.entries(enumObject).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  return Object.freeze(Object.fromEntries(entries));
}

/** RecommendedAction names → numbers, in declaration order (NONE, COMPONENT_RESET, …). */
export const RecommendedActionValues = enumValues(RecommendedAction);

/** ProcessingStrategy names → numbers, in declaration order. */
export const ProcessingStrategyValues = enumValues(ProcessingStrategy);

/** The proto name of a RecommendedAction, or undefined for a number upstream has not defined. */
export function recommendedActionName(action: number): string | undefined {
  const name: unknown = (RecommendedAction as unknown as Record<number, unknown>)[action];
  return typeof name === 'string' ? name : undefined;
}

/** The proto name of a ProcessingStrategy, or undefined for an undefined number. */
export function processingStrategyName(strategy: number): string | undefined {
  const name: unknown = (ProcessingStrategy as unknown as Record<number, unknown>)[strategy];
  return typeof name === 'string' ? name : undefined;
}

/**
 * The action consumers act on: the custom name for CUSTOM, otherwise the enum name
 * (upstream's "effective action"); a number upstream has not defined renders as its digits.
 */
export function effectiveRecommendedAction(event: {
  recommendedAction: number;
  customRecommendedAction: string;
}): string {
  if (event.recommendedAction === RecommendedAction.CUSTOM) return event.customRecommendedAction;
  return recommendedActionName(event.recommendedAction) ?? String(event.recommendedAction);
}

/**
 * What the platform connector stores for a processing strategy: UNSPECIFIED means the monitor
 * did not choose, which upstream treats as EXECUTE_REMEDIATION.
 */
export function normalizeProcessingStrategy(strategy: ProcessingStrategy): ProcessingStrategy {
  return strategy === ProcessingStrategy.UNSPECIFIED ? ProcessingStrategy.EXECUTE_REMEDIATION : strategy;
}
