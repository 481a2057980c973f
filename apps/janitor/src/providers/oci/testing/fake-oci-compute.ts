/**
 * A local fake of the OCI Core Services API (20160918) for the calls the oci provider makes:
 * InstanceAction (POST /instances/{id}?action=SOFTRESET|RESET), GetInstance and
 * TerminateInstance, with OCI's JSON error body `{ code, message }` and `opc-request-id`.
 * Requests must be signed (draft-cavage HTTP signature) with the expected key id, and the
 * signature is verified against the public key, as OCI does.
 */
import { createVerify, randomUUID, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FailureRules, sendJson, startFakeServer, type FakeRequest, type FakeServer } from '../../testing-http.js';

export type OciCall = 'InstanceAction' | 'GetInstance' | 'TerminateInstance';

export interface FakeOciOptions {
  keyId: string;
  publicKey: KeyObject;
  /** GetInstance answers STARTING this many times after a reset. Default 1. */
  pollsUntilRunning?: number;
  onReset?: (instanceId: string, action: string) => void;
}

interface FakeInstance {
  id: string;
  lifecycleState: 'RUNNING' | 'STARTING' | 'STOPPING' | 'TERMINATING' | 'TERMINATED';
  pollsLeft: number;
}

export class FakeOciCompute {
  readonly instances = new Map<string, FakeInstance>();
  readonly failures = new FailureRules<OciCall>();
  readonly calls: Array<{ call: OciCall; action?: string }> = [];
  #server: FakeServer | undefined;
  readonly #options: FakeOciOptions;

  constructor(options: FakeOciOptions) {
    this.#options = options;
  }

  get url(): string {
    return this.#server!.url;
  }

  addInstance(id: string): void {
    this.instances.set(id, { id, lifecycleState: 'RUNNING', pollsLeft: 0 });
  }

  fail(call: OciCall, status: number, code: string, times = 1): void {
    this.failures.add({
      match: (what) => what === call,
      times,
      respond: (response) => this.#error(response, status, code, `injected ${code}`),
    });
  }

  async start(): Promise<this> {
    this.#server = await startFakeServer((request, response) => {
      const authError = this.#authenticate(request);
      if (authError) return this.#error(response, 401, 'NotAuthenticated', authError);
      const match = /^\/20160918\/instances\/([^/]+)$/.exec(request.path);
      if (!match) return this.#error(response, 404, 'NotFound', `no route ${request.method} ${request.path}`);
      const id = decodeURIComponent(match[1]!);
      const call: OciCall =
        request.method === 'POST'
          ? 'InstanceAction'
          : request.method === 'DELETE'
            ? 'TerminateInstance'
            : 'GetInstance';
      const action = request.query.get('action') ?? undefined;
      this.calls.push({ call, ...(action ? { action } : {}) });
      const injected = this.failures.take(call);
      if (injected) return injected.respond(response);
      const instance = this.instances.get(id);
      if (!instance || (instance.lifecycleState === 'TERMINATED' && call === 'InstanceAction')) {
        return this.#error(
          response,
          404,
          'NotAuthorizedOrNotFound',
          'Authorization failed or requested resource not found.',
        );
      }
      if (call === 'InstanceAction') return this.#action(response, instance, action ?? '');
      if (call === 'TerminateInstance') {
        instance.lifecycleState = 'TERMINATING';
        response.writeHead(204, { 'opc-request-id': randomUUID() });
        return void response.end();
      }
      return this.#instance(response, instance, true);
    });
    return this;
  }

  close(): Promise<void> {
    return this.#server?.close() ?? Promise.resolve();
  }

  #action(response: ServerResponse, instance: FakeInstance, action: string): void {
    if (!['SOFTRESET', 'RESET', 'STOP', 'START', 'SOFTSTOP'].includes(action)) {
      return this.#error(response, 400, 'InvalidParameter', `action ${action} is not valid`);
    }
    instance.lifecycleState = 'STARTING';
    instance.pollsLeft = this.#options.pollsUntilRunning ?? 1;
    this.#options.onReset?.(instance.id, action);
    this.#instance(response, instance, false);
  }

  #instance(response: ServerResponse, instance: FakeInstance, advance: boolean): void {
    const state = instance.lifecycleState;
    if (advance && state === 'STARTING' && instance.pollsLeft-- <= 1) instance.lifecycleState = 'RUNNING';
    if (advance && state === 'TERMINATING') instance.lifecycleState = 'TERMINATED';
    sendJson(
      response,
      200,
      {
        id: instance.id,
        displayName: instance.id.slice(-8),
        lifecycleState: state,
        availabilityDomain: 'Uocm:PHX-AD-1',
        compartmentId: 'ocid1.compartment.oc1..aaaa',
        region: 'phx',
        shape: 'BM.GPU.H100.8',
        timeCreated: '2026-01-01T00:00:00.000Z',
      },
      { 'opc-request-id': randomUUID(), etag: randomUUID() },
    );
  }

  /** Checks the draft-cavage signature OCI requires on every request; returns why it fails. */
  #authenticate(request: FakeRequest): string | undefined {
    const header = String(request.headers.authorization ?? '');
    const fields = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!header.startsWith('Signature ') || fields.keyId !== this.#options.keyId)
      return 'The required information to complete authentication was not provided or was incorrect.';
    const signingString = (fields.headers ?? 'date')
      .split(' ')
      .map((name) => name.toLowerCase())
      .map((name) => {
        if (name === '(request-target)') return `(request-target): ${request.method.toLowerCase()} ${request.rawUrl}`;
        // A server knows the body it received even when the client's fetch left the header out.
        const value =
          request.headers[name] ?? (name === 'content-length' ? String(Buffer.byteLength(request.body)) : '');
        return `${name}: ${value}`;
      })
      .join('\n');
    const verifier = createVerify('RSA-SHA256');
    verifier.update(signingString);
    return verifier.verify(this.#options.publicKey, fields.signature ?? '', 'base64')
      ? undefined
      : 'The request signature does not match.';
  }

  #error(response: ServerResponse, status: number, code: string, message: string): void {
    sendJson(response, status, { code, message }, { 'opc-request-id': randomUUID() });
  }
}
