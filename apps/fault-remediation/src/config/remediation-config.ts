/**
 * fault-remediation's TOML configuration in upstream's format (the chart's ConfigMap renders the
 * same file), so an existing `config.toml` and its template files work unchanged:
 *
 *     [template]
 *     mountPath = "/etc/config"
 *
 *     [remediationActions."RESTART_VM"]
 *     apiGroup = "janitor.dgxc.nvidia.com"
 *     version = "v1alpha1"
 *     kind = "RebootNode"
 *     scope = "Cluster"
 *     completeConditionType = "NodeReady"
 *     templateFileName = "nvidia-reboot.yaml"
 *     equivalenceGroup = "restart"
 *
 *     [updateRetry]
 *     maxRetries = 5
 *     retryDelaySeconds = 10
 *
 * Template text comes from `[templates]` (file name → template) or else from
 * `<template.mountPath>/<templateFileName>`. Every template is compiled here, so a template error
 * stops the service at start-up with the file, line and construct.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecommendedActionValues } from '@nvsentinel/health-model';
import { parse as parseToml } from 'smol-toml';
import { RemediationConfigError } from '../errors.js';
import { renderManifest } from '../remediation/manifest.js';
import { buildTemplateData, probeEvent } from '../remediation/template-data.js';
import { type CompiledTemplate, compileTemplate } from '../template/template.js';

/** Entity types whose faults can be remediated (and drained) per entity: upstream's partial-drain set. */
export const PARTIAL_ENTITY_TYPES: readonly string[] = ['GPU_UUID'];

export interface RemediationAction {
  /** The action key: a RecommendedAction name or a custom action name. */
  name: string;
  apiGroup: string;
  version: string;
  kind: string;
  /** Lower-cased kind + "s", as upstream's RBAC and client build it. */
  plural: string;
  scope: 'Cluster' | 'Namespaced';
  namespace: string | undefined;
  completeConditionType: string;
  templateFileName: string;
  equivalenceGroup: string;
  impactedEntityScope: string | undefined;
  supersedingEquivalenceGroups: string[];
  template: CompiledTemplate;
}

export interface RemediationConfig {
  templateMountPath: string;
  actions: ReadonlyMap<string, RemediationAction>;
  updateRetry: { maxRetries: number; retryDelaySeconds: number };
}

export interface ParseOptions {
  /** Reads a template file that `[templates]` does not hold; default: the file system. */
  readTemplate?: (path: string) => string | undefined;
}

const ACTION_KEYS = [
  'apiGroup',
  'version',
  'kind',
  'scope',
  'namespace',
  'completeConditionType',
  'templateFileName',
  'equivalenceGroup',
  'impactedEntityScope',
  'supersedingEquivalenceGroups',
] as const;
const TOP_KEYS = ['template', 'remediationActions', 'templates', 'updateRetry'];

function readFromDisk(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function parseRemediationConfig(
  text: string,
  source = 'config.toml',
  options: ParseOptions = {},
): RemediationConfig {
  const fail = (message: string): never => {
    throw new RemediationConfigError(source, message);
  };
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    return fail(`TOML syntax: ${(err as Error).message}`);
  }
  rejectUnknown(doc, TOP_KEYS, '', fail);

  const template = table(doc.template, 'template', fail) ?? {};
  rejectUnknown(template, ['mountPath', 'fileName'], 'template.', fail);
  const mountPath = optionalString(template.mountPath, 'template.mountPath', fail) ?? '/etc/config';
  if (mountPath === '') fail('template.mountPath must not be empty');

  const inline = table(doc.templates, 'templates', fail) ?? {};
  for (const [file, body] of Object.entries(inline))
    if (typeof body !== 'string') fail(`templates."${file}" must be a string (the template text)`);

  const retry = table(doc.updateRetry, 'updateRetry', fail) ?? {};
  rejectUnknown(retry, ['maxRetries', 'retryDelaySeconds'], 'updateRetry.', fail);
  const updateRetry = {
    maxRetries: nonNegativeInt(retry.maxRetries ?? 5, 'updateRetry.maxRetries', fail),
    retryDelaySeconds: nonNegativeInt(retry.retryDelaySeconds ?? 10, 'updateRetry.retryDelaySeconds', fail),
  };

  const rawActions = table(doc.remediationActions, 'remediationActions', fail) ?? {};
  const readTemplate = options.readTemplate ?? readFromDisk;
  const compiled = new Map<string, CompiledTemplate>();
  const actions = new Map<string, RemediationAction>();
  // Upstream validates in sorted action order, so the first error reported is stable.
  for (const name of Object.keys(rawActions).sort()) {
    const where = `remediationActions."${name}"`;
    const raw = table(rawActions[name], where, fail)!;
    rejectUnknown(raw, ACTION_KEYS, `${where}.`, fail);
    const req = (key: string): string => {
      const value = optionalString(raw[key], `${where}.${key}`, fail);
      if (!value) fail(`${where}.${key} is required`);
      return value!;
    };
    const apiGroup = req('apiGroup');
    const version = req('version');
    const kind = req('kind');
    const templateFileName = req('templateFileName');
    const equivalenceGroup = req('equivalenceGroup');
    const scopeText = optionalString(raw.scope, `${where}.scope`, fail) ?? '';
    if (!['', 'Cluster', 'Namespaced'].includes(scopeText))
      fail(`${where}.scope must be "Cluster" or "Namespaced", got "${scopeText}"`);
    const scope = scopeText === 'Namespaced' ? 'Namespaced' : 'Cluster';
    const namespace = optionalString(raw.namespace, `${where}.namespace`, fail) || undefined;
    if (scope === 'Namespaced' && !namespace) fail(`${where}.namespace is required when scope is "Namespaced"`);
    const impactedEntityScope =
      optionalString(raw.impactedEntityScope, `${where}.impactedEntityScope`, fail) || undefined;
    if (impactedEntityScope !== undefined) {
      const isEnum = name in RecommendedActionValues;
      if (isEnum && name !== 'COMPONENT_RESET') {
        fail(`${where}.impactedEntityScope is allowed only on COMPONENT_RESET or custom action names`);
      }
      if (!PARTIAL_ENTITY_TYPES.includes(impactedEntityScope)) {
        fail(
          `${where}.impactedEntityScope "${impactedEntityScope}" does not support per-entity remediation (supported: ${PARTIAL_ENTITY_TYPES.join(', ')})`,
        );
      }
    }
    const superseding = raw.supersedingEquivalenceGroups ?? [];
    if (!Array.isArray(superseding) || superseding.some((g) => typeof g !== 'string' || g === '')) {
      fail(`${where}.supersedingEquivalenceGroups must be a list of group names`);
    }

    let template = compiled.get(templateFileName);
    if (!template) {
      const path = join(mountPath, templateFileName);
      const body = (inline[templateFileName] as string | undefined) ?? readTemplate(path);
      if (body === undefined)
        fail(
          `${where}.templateFileName: template file ${path} does not exist (and [templates] has no "${templateFileName}")`,
        );
      template = compileTemplate(templateFileName, body!);
      compiled.set(templateFileName, template);
    }
    actions.set(name, {
      name,
      apiGroup,
      version,
      kind,
      plural: `${kind.toLowerCase()}s`,
      scope,
      namespace,
      completeConditionType:
        optionalString(raw.completeConditionType, `${where}.completeConditionType`, fail) || 'NodeReady',
      templateFileName,
      equivalenceGroup,
      impactedEntityScope,
      supersedingEquivalenceGroups: superseding as string[],
      template,
    });
  }

  // Superseding groups must be whole-node groups of other actions (a per-GPU group cannot cover another).
  for (const action of actions.values()) {
    for (const group of action.supersedingEquivalenceGroups) {
      if (group === action.equivalenceGroup)
        fail(
          `remediationActions."${action.name}".supersedingEquivalenceGroups must not contain its own group "${group}"`,
        );
      const owners = [...actions.values()].filter((a) => a.equivalenceGroup === group);
      if (owners.length === 0)
        fail(
          `remediationActions."${action.name}".supersedingEquivalenceGroups: no action has equivalenceGroup "${group}"`,
        );
      if (owners.some((a) => a.impactedEntityScope !== undefined)) {
        fail(
          `remediationActions."${action.name}".supersedingEquivalenceGroups: group "${group}" is per-entity (impactedEntityScope) and cannot supersede`,
        );
      }
    }
  }
  const config = { templateMountPath: mountPath, actions, updateRetry };
  probeTemplates(config);
  return config;
}

/**
 * Renders every template once with a representative event, so a field a template misspells
 * (`.HealthEvent.NodeNam`) or a manifest that is not one YAML object stops the start-up
 * instead of the first remediation. Branches the probe does not take are only parsed.
 */
function probeTemplates(config: RemediationConfig): void {
  const event = probeEvent();
  for (const action of config.actions.values()) {
    const data = buildTemplateData({
      event,
      action,
      actionName: action.name,
      impactedEntityScopeValue: 'GPU-00000000',
    });
    renderManifest(action, data);
  }
}

function rejectUnknown(
  obj: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
  fail: (m: string) => never,
): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) fail(`unknown key "${prefix}${key}" (known keys: ${known.join(', ')})`);
  }
}

function table(value: unknown, where: string, fail: (m: string) => never): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be a table`);
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, where: string, fail: (m: string) => never): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`${where} must be a string, got ${JSON.stringify(value)}`);
  return value as string;
}

function nonNegativeInt(value: unknown, where: string, fail: (m: string) => never): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    fail(`${where} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value as number;
}
