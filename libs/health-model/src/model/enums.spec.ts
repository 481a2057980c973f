import { describe, expect, it } from 'vitest';
import {
  ProcessingStrategyValues,
  RecommendedActionValues,
  effectiveRecommendedAction,
  normalizeProcessingStrategy,
  processingStrategyName,
  recommendedActionName,
} from './enums.js';
import { ProcessingStrategy, RecommendedAction } from './types.js';

describe('enums', () => {
  it('lists names in proto order with their numbers', () => {
    expect(Object.entries(RecommendedActionValues)).toStrictEqual([
      ['NONE', 0],
      ['COMPONENT_RESET', 2],
      ['CONTACT_SUPPORT', 5],
      ['RUN_FIELDDIAG', 6],
      ['RESTART_VM', 15],
      ['RESTART_BM', 24],
      ['REPLACE_VM', 25],
      ['RUN_DCGMEUD', 26],
      ['CUSTOM', 27],
      ['UNKNOWN', 99],
    ]);
    expect(Object.keys(ProcessingStrategyValues)).toStrictEqual([
      'UNSPECIFIED',
      'EXECUTE_REMEDIATION',
      'STORE_ONLY',
      'STORE_AND_ANALYSE',
    ]);
  });

  it('names numbers and returns undefined for numbers upstream does not define', () => {
    expect(recommendedActionName(24)).toBe('RESTART_BM');
    expect(recommendedActionName(28)).toBeUndefined();
    expect(processingStrategyName(3)).toBe('STORE_AND_ANALYSE');
    expect(processingStrategyName(4)).toBeUndefined();
  });

  it('rewrites only UNSPECIFIED to EXECUTE_REMEDIATION', () => {
    expect(normalizeProcessingStrategy(ProcessingStrategy.UNSPECIFIED)).toBe(ProcessingStrategy.EXECUTE_REMEDIATION);
    expect(normalizeProcessingStrategy(ProcessingStrategy.STORE_ONLY)).toBe(ProcessingStrategy.STORE_ONLY);
    expect(normalizeProcessingStrategy(ProcessingStrategy.STORE_AND_ANALYSE)).toBe(
      ProcessingStrategy.STORE_AND_ANALYSE,
    );
  });

  it('resolves the effective action (custom name for CUSTOM)', () => {
    expect(
      effectiveRecommendedAction({ recommendedAction: RecommendedAction.CUSTOM, customRecommendedAction: 'RESEAT' }),
    ).toBe('RESEAT');
    expect(
      effectiveRecommendedAction({ recommendedAction: RecommendedAction.RESTART_VM, customRecommendedAction: 'x' }),
    ).toBe('RESTART_VM');
    expect(
      effectiveRecommendedAction({ recommendedAction: 28 as RecommendedAction, customRecommendedAction: '' }),
    ).toBe('28');
  });
});
