/**
 * The configuration files the local stack runs the services with. They are the services' own
 * formats (upstream's TOML), read from files so the separate-process mode and the in-process mode
 * use exactly the same settings.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG_PATH, loadConfigFile, type FaultQuarantineConfig } from '@nvsentinel/fault-quarantine';
import { parseDrainerConfig, type DrainerConfig } from '@nvsentinel/node-drainer';

/** Outside src/ so the same relative path works from src/ (tests) and dist/ (npm start). */
export const NODE_DRAINER_CONFIG_PATH = fileURLToPath(new URL('../../config/node-drainer.toml', import.meta.url));

/** fault-quarantine runs with its shipped defaults: upstream's chart rule sets and circuit breaker. */
export const FAULT_QUARANTINE_CONFIG_PATH = DEFAULT_CONFIG_PATH;

/** Namespace of NVSentinel's own objects (circuit-breaker ConfigMap, resume control). */
export const NVSENTINEL_NAMESPACE = 'nvsentinel';

export function loadFaultQuarantineConfig(path = FAULT_QUARANTINE_CONFIG_PATH): FaultQuarantineConfig {
  return loadConfigFile(path);
}

export function loadNodeDrainerConfig(path = NODE_DRAINER_CONFIG_PATH): DrainerConfig {
  return parseDrainerConfig(readFileSync(path, 'utf8'), path);
}
