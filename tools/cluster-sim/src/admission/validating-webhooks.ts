/**
 * ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1) support: before a create,
 * update or delete is stored, every webhook whose rules match is called with an
 * admission.k8s.io/v1 AdmissionReview over HTTPS, as the API server's validating admission
 * plugin does. A denial becomes the Status the real server returns
 * (`admission webhook "<name>" denied the request: <reason>`, the webhook's code or 400); a webhook
 * that cannot be reached fails the request with 500 under `failurePolicy: Fail` (the default)
 * and is skipped under `Ignore`. `timeoutSeconds` (default 10) bounds each call.
 *
 * Simplified: `namespaceSelector` and `matchConditions` are ignored; `matchPolicy` is always
 * Exact; the webhooks are called one after the other, not in parallel.
 */
import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { StatusError } from '../errors.js';
import type { KubeObject } from '../resources/kube-object.js';
import { isPlainObject } from '../resources/kube-object.js';
import type { ResourceService } from '../resources/resource-service.js';
import type { ResourceType } from '../resources/resource-type.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Where a `clientConfig.service` reference points in tests (there is no cluster DNS). */
export type WebhookServiceResolver = (service: {
  namespace: string;
  name: string;
  port: number;
  path: string;
}) => string;

export interface AdmissionAttributes {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  operation: AdmissionOperation;
  subresource?: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
}

interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

interface Webhook {
  name: string;
  clientConfig?: {
    url?: string;
    caBundle?: string;
    service?: { namespace: string; name: string; port?: number; path?: string };
  };
  rules?: Rule[];
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
  objectSelector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  };
}

const includes = (list: string[] | undefined, value: string): boolean =>
  (list ?? []).some((item) => item === '*' || item === value);

function resourceMatches(resources: string[] | undefined, plural: string, subresource: string | undefined): boolean {
  return (resources ?? []).some((entry) => {
    const [resource, sub] = entry.split('/') as [string, string | undefined];
    if (resource !== '*' && resource !== plural) return false;
    if (subresource === undefined) return sub === undefined;
    return sub === '*' || sub === subresource;
  });
}

function ruleMatches(
  rule: Rule,
  attributes: Pick<AdmissionAttributes, 'type' | 'version' | 'operation' | 'subresource'>,
): boolean {
  const { type } = attributes;
  const scope = rule.scope ?? '*';
  if (scope !== '*' && scope !== (type.namespaced ? 'Namespaced' : 'Cluster')) return false;
  return (
    includes(rule.operations, attributes.operation) &&
    includes(rule.apiGroups, type.group) &&
    includes(rule.apiVersions, attributes.version) &&
    resourceMatches(rule.resources, type.plural, attributes.subresource)
  );
}

function objectSelectorMatches(selector: Webhook['objectSelector'], object: KubeObject | undefined): boolean {
  if (!selector) return true;
  const labels = object?.metadata.labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, expression.key);
    const inValues = present && (expression.values ?? []).includes(labels[expression.key]!);
    if (expression.operator === 'In' && !inValues) return false;
    if (expression.operator === 'NotIn' && inValues) return false;
    if (expression.operator === 'Exists' && !present) return false;
    if (expression.operator === 'DoesNotExist' && present) return false;
  }
  return true;
}

export class ValidatingAdmission {
  readonly #service: ResourceService;
  readonly #configurations: () => ResourceType | undefined;
  readonly #resolve: WebhookServiceResolver;

  constructor(
    service: ResourceService,
    configurations: () => ResourceType | undefined,
    resolver?: WebhookServiceResolver,
  ) {
    this.#service = service;
    this.#configurations = configurations;
    this.#resolve =
      resolver ?? (({ namespace, name, port, path }) => `https://${name}.${namespace}.svc:${port}${path}`);
  }

  /** True when no webhook configuration exists, so callers can skip the extra dry-run step. */
  get idle(): boolean {
    const type = this.#configurations();
    return !type || this.#service.list(type).items.length === 0;
  }

  /** Calls every matching webhook; throws the StatusError the API server would answer with. */
  async admit(attributes: AdmissionAttributes): Promise<void> {
    const type = this.#configurations();
    if (!type || attributes.type.group === 'admissionregistration.k8s.io') return;
    for (const configuration of this.#service.list(type).items) {
      const webhooks = Array.isArray(configuration.webhooks) ? (configuration.webhooks as Webhook[]) : [];
      for (const webhook of webhooks) {
        if (!(webhook.rules ?? []).some((rule) => ruleMatches(rule, attributes))) continue;
        if (!objectSelectorMatches(webhook.objectSelector, attributes.object ?? attributes.oldObject)) continue;
        await this.#call(webhook, attributes);
      }
    }
  }

  async #call(webhook: Webhook, attributes: AdmissionAttributes): Promise<void> {
    const { type, version } = attributes;
    const uid = randomUUID();
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: type.group, version, kind: type.kind },
        resource: { group: type.group, version, resource: type.plural },
        ...(attributes.subresource ? { subResource: attributes.subresource } : {}),
        requestKind: { group: type.group, version, kind: type.kind },
        requestResource: { group: type.group, version, resource: type.plural },
        ...(attributes.name ? { name: attributes.name } : {}),
        ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
        operation: attributes.operation,
        userInfo: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] },
        object: attributes.object ?? null,
        oldObject: attributes.oldObject ?? null,
        dryRun: attributes.dryRun,
        options: {
          apiVersion: 'meta.k8s.io/v1',
          kind: `${attributes.operation === 'CREATE' ? 'Create' : attributes.operation === 'UPDATE' ? 'Update' : 'Delete'}Options`,
        },
      },
    };
    let response: unknown;
    try {
      response = await this.#post(webhook, review);
    } catch (error) {
      if (webhook.failurePolicy === 'Ignore') return;
      throw new StatusError(
        500,
        'InternalError',
        `Internal error occurred: failed calling webhook "${webhook.name}": ${(error as Error).message}`,
      );
    }
    const result = isPlainObject(response) && isPlainObject(response.response) ? response.response : undefined;
    if (!result || result.uid !== uid) {
      if (webhook.failurePolicy === 'Ignore') return;
      throw new StatusError(
        500,
        'InternalError',
        `Internal error occurred: failed calling webhook "${webhook.name}": expected response.uid "${uid}"`,
      );
    }
    if (result.allowed === true) return;
    const status = isPlainObject(result.status) ? result.status : {};
    const code = typeof status.code === 'number' && status.code >= 400 ? status.code : 400;
    const reason =
      typeof status.reason === 'string' && status.reason ? status.reason : code === 403 ? 'Forbidden' : 'BadRequest';
    const message = typeof status.message === 'string' ? status.message : '';
    throw new StatusError(
      code,
      reason,
      `admission webhook "${webhook.name}" denied the request${message ? `: ${message}` : ' without explanation'}`,
    );
  }

  #post(webhook: Webhook, review: unknown): Promise<unknown> {
    const config = webhook.clientConfig ?? {};
    const target = config.url
      ? config.url
      : config.service
        ? this.#resolve({
            namespace: config.service.namespace,
            name: config.service.name,
            port: config.service.port ?? 443,
            path: config.service.path ?? '/',
          })
        : undefined;
    if (!target) return Promise.reject(new Error('the webhook has neither clientConfig.url nor clientConfig.service'));
    const url = new URL(target);
    const ca = config.caBundle ? Buffer.from(config.caBundle, 'base64').toString('utf8') : undefined;
    const body = JSON.stringify(review);
    const timeoutMs = (webhook.timeoutSeconds ?? 10) * 1000;
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          ...(url.protocol === 'https:' && ca ? { ca } : {}),
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((response.statusCode ?? 500) >= 300)
              return reject(new Error(`the webhook answered HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
            try {
              resolve(JSON.parse(text));
            } catch {
              reject(new Error('the webhook answered with a body that is not JSON'));
            }
          });
          response.on('error', reject);
        },
      );
      request.on('timeout', () =>
        request.destroy(new Error(`Post "${target}": context deadline exceeded (timeoutSeconds ${timeoutMs / 1000})`)),
      );
      request.on('error', (error) => reject(new Error(`failed to call webhook: Post "${target}": ${error.message}`)));
      request.end(body);
    });
  }
}
