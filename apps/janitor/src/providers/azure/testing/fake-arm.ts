/**
 * A local HTTPS fake of Azure Resource Manager for the Microsoft.Compute calls the azure provider
 * makes: VM and VMSS-VM restart / delete as long-running operations (202 + Azure-AsyncOperation
 * and Location headers, an operation resource that reports InProgress, then Succeeded) and
 * instanceView. Errors use ARM's `{ error: { code, message } }` envelope; 429 carries
 * Retry-After. Requests must carry the expected bearer token.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FailureRules, sendJson, startFakeServer, type FakeServer } from '../../testing-http.js';

export interface FakeArmOptions {
  token: string;
  tls: { cert: Buffer; key: Buffer };
  /** Operation polls answering InProgress before Succeeded. Default 1. */
  pollsUntilDone?: number;
  /** Called when a machine restarts (tests reboot the simulated node there). */
  onRestart?: (machineId: string) => void;
}

export type ArmCall = 'restart' | 'delete' | 'instanceView' | 'operation';

interface FakeMachine {
  /** Lower-cased ARM id of the VM or VMSS VM. */
  id: string;
  power: 'running' | 'starting' | 'deallocated';
}

interface FakeOperation {
  id: string;
  pollsLeft: number;
  machine: string;
  kind: 'restart' | 'delete';
}

const COMPUTE = String.raw`/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.compute`;
const VM_OR_VMSS_VM = String.raw`(?:virtualmachines/[^/]+|virtualmachinescalesets/[^/]+/virtualmachines/[^/]+)`;
const MACHINE = new RegExp(`^(${COMPUTE}/${VM_OR_VMSS_VM})(/restart|/instanceview)?$`);
const OPERATION = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.compute\/locations\/([^/]+)\/operations\/([^/]+)$/;

export class FakeArm {
  readonly machines = new Map<string, FakeMachine>();
  readonly operations = new Map<string, FakeOperation>();
  readonly failures = new FailureRules<ArmCall>();
  readonly calls: ArmCall[] = [];
  #server: FakeServer | undefined;
  readonly #options: FakeArmOptions;

  constructor(options: FakeArmOptions) {
    this.#options = options;
  }

  get url(): string {
    return this.#server!.url;
  }

  /** api-version query of every request (the SDK must send one). */
  get apiVersions(): string[] {
    return this.#server!.requests.map((request) => request.query.get('api-version') ?? '');
  }

  addMachine(armId: string): void {
    this.machines.set(armId.toLowerCase(), { id: armId.toLowerCase(), power: 'running' });
  }

  fail(call: ArmCall, status: number, code: string, times = 1): void {
    this.failures.add({
      match: (what) => what === call,
      times,
      respond: (response) =>
        this.#error(response, status, code, `injected ${code}`, status === 429 ? { 'retry-after': '0' } : {}),
    });
  }

  async start(): Promise<this> {
    this.#server = await startFakeServer(
      (request, response) => {
        if (request.headers.authorization !== `Bearer ${this.#options.token}`) {
          return this.#error(response, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
        }
        if (!request.query.get('api-version'))
          return this.#error(
            response,
            400,
            'MissingApiVersionParameter',
            'The api-version query parameter is required.',
          );
        const path = request.path.toLowerCase();
        const operation = OPERATION.exec(path);
        if (operation && request.method === 'GET') return this.#operation(response, operation[3]!);
        const machine = MACHINE.exec(path);
        if (!machine)
          return this.#error(response, 404, 'InvalidResourceType', `no route ${request.method} ${request.path}`);
        const [, id, suffix] = machine;
        if (suffix === '/restart' && request.method === 'POST') return this.#begin(response, 'restart', id!);
        if (suffix === '/instanceview' && request.method === 'GET') return this.#instanceView(response, id!);
        if (!suffix && request.method === 'DELETE') return this.#begin(response, 'delete', id!);
        return this.#error(response, 405, 'MethodNotAllowed', `${request.method} is not supported here`);
      },
      { tls: this.#options.tls },
    );
    return this;
  }

  close(): Promise<void> {
    return this.#server?.close() ?? Promise.resolve();
  }

  #begin(response: ServerResponse, kind: 'restart' | 'delete', id: string): void {
    this.calls.push(kind);
    const injected = this.failures.take(kind);
    if (injected) return injected.respond(response);
    const machine = this.machines.get(id);
    if (!machine) {
      if (kind === 'delete') {
        response.writeHead(204);
        return void response.end(); // ARM deletes are idempotent: already gone = success
      }
      return this.#error(response, 404, 'ResourceNotFound', `The Resource '${id}' was not found.`);
    }
    const operation: FakeOperation = {
      id: randomUUID(),
      pollsLeft: this.#options.pollsUntilDone ?? 1,
      machine: id,
      kind,
    };
    this.operations.set(operation.id, operation);
    if (kind === 'restart') {
      machine.power = 'starting';
      this.#options.onRestart?.(id);
    }
    const subscription = id.split('/')[2];
    const provider = `${this.url}/subscriptions/${subscription}/providers/Microsoft.Compute`;
    const operations = `${provider}/locations/eastus/operations`;
    const location = `${operations}/${operation.id}?api-version=2024-07-01`;
    response.writeHead(202, { 'azure-asyncoperation': location, location, 'retry-after': '0', 'content-length': '0' });
    response.end();
  }

  #operation(response: ServerResponse, id: string): void {
    this.calls.push('operation');
    const injected = this.failures.take('operation');
    if (injected) return injected.respond(response);
    const operation = this.operations.get(id);
    if (!operation) return this.#error(response, 404, 'NotFound', `operation ${id} not found`);
    const done = operation.pollsLeft-- <= 0;
    if (done) {
      if (operation.kind === 'delete') this.machines.delete(operation.machine);
      else if (this.machines.get(operation.machine)) this.machines.get(operation.machine)!.power = 'running';
    }
    sendJson(response, 200, {
      name: id,
      startTime: new Date().toISOString(),
      status: done ? 'Succeeded' : 'InProgress',
      ...(done ? { endTime: new Date().toISOString() } : {}),
    });
  }

  #instanceView(response: ServerResponse, id: string): void {
    this.calls.push('instanceView');
    const injected = this.failures.take('instanceView');
    if (injected) return injected.respond(response);
    const machine = this.machines.get(id);
    if (!machine) return this.#error(response, 404, 'ResourceNotFound', `The Resource '${id}' was not found.`);
    const power = machine.power;
    sendJson(response, 200, {
      statuses: [
        {
          code: power === 'starting' ? 'ProvisioningState/updating' : 'ProvisioningState/succeeded',
          level: 'Info',
          displayStatus: 'Provisioning state',
        },
        { code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` },
      ],
    });
  }

  #error(
    response: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    sendJson(response, status, { error: { code, message } }, { 'x-ms-failure-cause': 'gateway', ...headers });
  }
}
