/**
 * A local fake of the EC2 Query API (protocol `ec2`, version 2016-11-15) for the calls the aws
 * provider makes — RebootInstances, TerminateInstances, DescribeInstanceStatus — speaking the real
 * wire format: form-encoded requests, XML responses, XML `<Response><Errors>` failures with EC2's
 * codes and HTTP statuses. Requests must be SigV4-signed with the expected access key.
 */
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { FailureRules, startFakeServer, type FakeServer } from '../../testing-http.js';

export interface FakeInstance {
  id: string;
  zone: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  /** instanceStatus.status: `initializing` after a reboot until `statusChecksAfterReboot` polls pass. */
  status: 'ok' | 'initializing' | 'impaired';
  pollsUntilOk: number;
}

export interface FakeEc2Options {
  accessKeyId: string;
  /** DescribeInstanceStatus answers this many times `initializing` after a reboot. Default 1. */
  statusChecksAfterReboot?: number;
  /** Called when an instance is rebooted (tests reboot the simulated node there). */
  onReboot?: (id: string) => void;
}

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const STATE_CODES: Record<FakeInstance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** A status-check block of DescribeInstanceStatus. */
function check(tag: string, status: string, reachability: string): string {
  const details = `<details><item><name>reachability</name><status>${reachability}</status></item></details>`;
  return `<${tag}><status>${status}</status>${details}</${tag}>`;
}

export class FakeEc2 {
  readonly instances = new Map<string, FakeInstance>();
  readonly failures = new FailureRules<string>();
  #server: FakeServer | undefined;
  readonly #options: FakeEc2Options;

  constructor(options: FakeEc2Options) {
    this.#options = options;
  }

  get url(): string {
    return this.#server!.url;
  }

  /** Actions received, in order. */
  get actions(): string[] {
    return this.#server!.requests.map((request) => new URLSearchParams(request.body).get('Action') ?? '?');
  }

  /** The form parameters of the last `action` request. */
  lastParams(action: string): URLSearchParams | undefined {
    const found = this.#server!.requests.map((request) => new URLSearchParams(request.body)).filter(
      (params) => params.get('Action') === action,
    );
    return found.at(-1);
  }

  addInstance(id: string, zone = 'us-east-1a'): void {
    this.instances.set(id, { id, zone, state: 'running', status: 'ok', pollsUntilOk: 0 });
  }

  /** The next `times` calls of `action` fail with EC2 error `code` and HTTP `status`. */
  fail(action: string, code: string, status: number, times = 1): void {
    this.failures.add({
      match: (what) => what === action,
      times,
      respond: (response) => this.#error(response, status, code, `injected ${code}`),
    });
  }

  async start(): Promise<this> {
    this.#server = await startFakeServer((request, response) => {
      const params = new URLSearchParams(request.body);
      const action = params.get('Action') ?? '';
      const auth = String(request.headers.authorization ?? '');
      if (!auth.startsWith('AWS4-HMAC-SHA256 ') || !auth.includes(`Credential=${this.#options.accessKeyId}/`)) {
        return this.#error(
          response,
          401,
          'AuthFailure',
          'AWS was not able to validate the provided access credentials',
        );
      }
      if (params.get('Version') !== '2016-11-15')
        return this.#error(response, 400, 'InvalidParameterValue', 'unsupported Version');
      const injected = this.failures.take(action);
      if (injected) return injected.respond(response);
      const ids = [...params.entries()].filter(([key]) => /^InstanceId\.\d+$/.test(key)).map(([, value]) => value);
      const missing = ids.find((id) => !this.instances.has(id));
      if (missing)
        return this.#error(response, 400, 'InvalidInstanceID.NotFound', `The instance ID '${missing}' does not exist`);
      switch (action) {
        case 'RebootInstances':
          return this.#reboot(response, ids);
        case 'TerminateInstances':
          return this.#terminate(response, ids);
        case 'DescribeInstanceStatus':
          return this.#describeStatus(response, ids, params.get('IncludeAllInstances') === 'true');
        default:
          return this.#error(response, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
      }
    });
    return this;
  }

  close(): Promise<void> {
    return this.#server?.close() ?? Promise.resolve();
  }

  #reboot(response: ServerResponse, ids: string[]): void {
    for (const id of ids) {
      const instance = this.instances.get(id)!;
      if (instance.state !== 'running') continue; // EC2 ignores reboots of instances that are not running
      instance.status = 'initializing';
      instance.pollsUntilOk = this.#options.statusChecksAfterReboot ?? 1;
      this.#options.onReboot?.(id);
    }
    this.#xml(response, 'RebootInstancesResponse', '<return>true</return>');
  }

  #terminate(response: ServerResponse, ids: string[]): void {
    const items = ids.map((id) => {
      const instance = this.instances.get(id)!;
      const previous = instance.state;
      instance.state = previous === 'terminated' ? 'terminated' : 'shutting-down';
      const state = (tag: string, name: FakeInstance['state']) =>
        `<${tag}><code>${STATE_CODES[name]}</code><name>${name}</name></${tag}>`;
      const states = state('currentState', instance.state) + state('previousState', previous);
      return `<item><instanceId>${id}</instanceId>${states}</item>`;
    });
    this.#xml(response, 'TerminateInstancesResponse', `<instancesSet>${items.join('')}</instancesSet>`);
  }

  #describeStatus(response: ServerResponse, ids: string[], includeAll: boolean): void {
    const items: string[] = [];
    for (const id of ids) {
      const instance = this.instances.get(id)!;
      if (instance.state !== 'running' && !includeAll) continue;
      const status = instance.state === 'running' ? instance.status : 'not-applicable';
      if (instance.status === 'initializing' && instance.pollsUntilOk-- <= 1) instance.status = 'ok';
      items.push(
        `<item><instanceId>${id}</instanceId><availabilityZone>${instance.zone}</availabilityZone>` +
          `<instanceState><code>${STATE_CODES[instance.state]}</code><name>${instance.state}</name></instanceState>` +
          check('systemStatus', status === 'initializing' ? 'ok' : status, 'passed') +
          check('instanceStatus', status, status === 'ok' ? 'passed' : 'initializing') +
          '</item>',
      );
    }
    this.#xml(response, 'DescribeInstanceStatusResponse', `<instanceStatusSet>${items.join('')}</instanceStatusSet>`);
  }

  #xml(response: ServerResponse, root: string, inner: string): void {
    response.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${XMLNS}">` +
        `<requestId>${randomUUID()}</requestId>${inner}</${root}>`,
    );
  }

  #error(response: ServerResponse, status: number, code: string, message: string): void {
    response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code>` +
        `<Message>${message}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
    );
  }
}
