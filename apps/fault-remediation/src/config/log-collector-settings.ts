/**
 * Where the log-collector Job manifest comes from (upstream): `LOG_COLLECTOR_MANIFEST_PATH`, else
 * `<template.mountPath>/log-collector-job.yaml`. Read once at start-up; a missing file with the
 * collector enabled is a configuration error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemediationConfigError } from '../errors.js';
import type { LogCollectorSettings } from '../service.js';
import type { RemediationConfig } from './remediation-config.js';

export const LOG_COLLECTOR_MANIFEST_FILE = 'log-collector-job.yaml';
/** Upstream requeues an event every 10 s while its Job runs. */
const LOG_COLLECTOR_RECHECK_MS = 10_000;

export function loadLogCollectorSettings(
  input: { manifestPath?: string | undefined; timeoutMs: number; recheckMs?: number },
  config: RemediationConfig,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): LogCollectorSettings {
  const manifestPath = input.manifestPath ?? join(config.templateMountPath, LOG_COLLECTOR_MANIFEST_FILE);
  let manifest: string;
  try {
    manifest = read(manifestPath);
  } catch (err) {
    throw new RemediationConfigError(
      manifestPath,
      `the log-collector Job manifest cannot be read (${(err as Error).message}); mount it or set LOG_COLLECTOR_MANIFEST_PATH`,
    );
  }
  return { manifest, manifestPath, timeoutMs: input.timeoutMs, recheckMs: input.recheckMs ?? LOG_COLLECTOR_RECHECK_MS };
}
