/**
 * A local fake of the Compute Engine v1 REST API for the calls the gcp provider makes:
 * instances.reset / instances.delete (answering zonal Operation resources) and
 * zoneOperations.get, with Google's JSON error envelope (`{ error: { code, message, status,
 * errors: [{ reason }] } }`). Operations stay RUNNING for a configurable number of polls.
 * Requests must carry the expected bearer token.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FailureRules, sendJson, startFakeServer, type FakeServer } from '../../testing-http.js';

export interface FakeComputeOptions {
  token: string;
  /** zoneOperations.get answers RUNNING this many times before DONE. Default 1. */
  pollsUntilDone?: number;
  /** Called when an instance is reset (tests reboot the simulated node there). */
  onReset?: (instance: string) => void;
}

interface FakeOperation {
  name: string;
  zone: string;
  project: string;
  operationType: 'reset' | 'delete';
  targetLink: string;
  pollsLeft: number;
  error?: { code: string; message: string };
}

export type ComputeCall = 'reset' | 'delete' | 'operations.get';

const BASE = 'https://www.googleapis.com/compute/v1';
const REASONS: Record<number, [string, string]> = {
  401: ['authError', 'UNAUTHENTICATED'],
  403: ['forbidden', 'PERMISSION_DENIED'],
  404: ['notFound', 'NOT_FOUND'],
  429: ['rateLimitExceeded', 'RESOURCE_EXHAUSTED'],
  503: ['backendError', 'UNAVAILABLE'],
};

export class FakeCompute {
  /** `project/zone/name` of every instance that exists. */
  readonly instances = new Set<string>();
  readonly operations = new Map<string, FakeOperation>();
  readonly failures = new FailureRules<ComputeCall>();
  readonly calls: ComputeCall[] = [];
  #server: FakeServer | undefined;
  readonly #options: FakeComputeOptions;

  constructor(options: FakeComputeOptions) {
    this.#options = options;
  }

  get url(): string {
    return this.#server!.url;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** The next `times` calls fail with Google's error envelope for `status`. */
  fail(call: ComputeCall, status: number, times = 1): void {
    this.failures.add({
      match: (what) => what === call,
      times,
      respond: (response) => this.#error(response, status, `injected ${status}`),
    });
  }

  async start(): Promise<this> {
    this.#server = await startFakeServer((request, response) => {
      if (request.headers.authorization !== `Bearer ${this.#options.token}`) {
        return this.#error(
          response,
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token.',
        );
      }
      const instance = /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+?)(\/reset)?$/.exec(
        request.path,
      );
      const operation = /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/operations\/([^/]+)$/.exec(request.path);
      if (instance && request.method === 'POST' && instance[4])
        return this.#start(response, 'reset', instance[1]!, instance[2]!, instance[3]!);
      if (instance && request.method === 'DELETE' && !instance[4])
        return this.#start(response, 'delete', instance[1]!, instance[2]!, instance[3]!);
      if (operation && request.method === 'GET')
        return this.#getOperation(response, operation[1]!, operation[2]!, operation[3]!);
      return this.#error(response, 404, `no such route ${request.method} ${request.path}`);
    });
    return this;
  }

  close(): Promise<void> {
    return this.#server?.close() ?? Promise.resolve();
  }

  #start(response: ServerResponse, type: 'reset' | 'delete', project: string, zone: string, name: string): void {
    this.calls.push(type);
    const injected = this.failures.take(type);
    if (injected) return injected.respond(response);
    const key = `${project}/${zone}/${name}`;
    if (!this.instances.has(key)) {
      return this.#error(
        response,
        404,
        `The resource 'projects/${project}/zones/${zone}/instances/${name}' was not found`,
      );
    }
    const op: FakeOperation = {
      name: `operation-${Date.now()}-${randomUUID().slice(0, 8)}`,
      zone,
      project,
      operationType: type,
      targetLink: `${BASE}/projects/${project}/zones/${zone}/instances/${name}`,
      pollsLeft: this.#options.pollsUntilDone ?? 1,
    };
    this.operations.set(op.name, op);
    if (type === 'reset') this.#options.onReset?.(name);
    else this.instances.delete(key);
    sendJson(response, 200, this.#operationJson(op, 'RUNNING'));
  }

  #getOperation(response: ServerResponse, project: string, zone: string, name: string): void {
    this.calls.push('operations.get');
    const injected = this.failures.take('operations.get');
    if (injected) return injected.respond(response);
    const op = this.operations.get(name);
    if (!op || op.project !== project || op.zone !== zone) {
      return this.#error(
        response,
        404,
        `The resource 'projects/${project}/zones/${zone}/operations/${name}' was not found`,
      );
    }
    const done = op.pollsLeft-- <= 0;
    sendJson(response, 200, this.#operationJson(op, done ? 'DONE' : 'RUNNING'));
  }

  #operationJson(op: FakeOperation, status: 'RUNNING' | 'DONE'): Record<string, unknown> {
    return {
      kind: 'compute#operation',
      id: String(Math.floor(Math.random() * 1e15)),
      name: op.name,
      zone: `${BASE}/projects/${op.project}/zones/${op.zone}`,
      operationType: op.operationType,
      targetLink: op.targetLink,
      status,
      progress: status === 'DONE' ? 100 : 0,
      insertTime: new Date().toISOString(),
      selfLink: `${BASE}/projects/${op.project}/zones/${op.zone}/operations/${op.name}`,
      ...(status === 'DONE' && op.error ? { error: { errors: [op.error] }, httpErrorStatusCode: 400 } : {}),
    };
  }

  #error(response: ServerResponse, status: number, message: string): void {
    const [reason, code] = REASONS[status] ?? ['backendError', 'INTERNAL'];
    sendJson(response, status, {
      error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: code },
    });
  }
}
