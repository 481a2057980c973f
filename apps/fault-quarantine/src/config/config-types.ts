/** The fault-quarantine configuration, after parsing and validating upstream's TOML format. */
import type { TaintEffect } from '@nvsentinel/k8s';

type MatchKind = 'HealthEvent' | 'Node';

export interface MatchRule {
  kind: MatchKind;
  /** A CEL expression over `event` (kind HealthEvent) or `node` (kind Node). */
  expression: string;
}

export interface TaintConfig {
  key: string;
  value: string;
  effect: TaintEffect;
}

export interface RuleSetConfig {
  name: string;
  version: string;
  /** Disabled rule sets are kept in the config but never evaluated. */
  enabled: boolean;
  /** Breaks ties when several rule sets taint the same key and value: the highest wins. */
  priority: number;
  /** Every expression must be true. */
  matchAll: MatchRule[];
  /** At least one expression must be true. With both lists, either list matching is enough. */
  matchAny: MatchRule[];
  taint?: TaintConfig;
  shouldCordon: boolean;
}

export interface CircuitBreakerConfig {
  /** Share of GPU nodes (0-100] that may be cordoned before the breaker trips. */
  percentage: number;
  /** Sliding window over which recently cordoned nodes are counted. */
  durationMs: number;
}

export interface FaultQuarantineConfig {
  /** Prefix of the cordon-by/-reason/-timestamp labels, e.g. `k8saas.nvidia.com/`. */
  labelPrefix: string;
  circuitBreaker: CircuitBreakerConfig;
  ruleSets: RuleSetConfig[];
}

export const DEFAULT_LABEL_PREFIX = 'k8saas.nvidia.com/';
export const DEFAULT_BREAKER: CircuitBreakerConfig = { percentage: 50, durationMs: 5 * 60_000 };
