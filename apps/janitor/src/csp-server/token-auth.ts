/**
 * Optional bearer-token authentication of janitor-provider's callers, as upstream does it: the
 * token (a projected service-account token with an audience) is checked by a Kubernetes
 * TokenReview for the configured audiences. Verdicts are cached briefly per token so a
 * reconcile loop calling IsNodeReady every few seconds does not cost a TokenReview each time.
 */
import { createHash } from 'node:crypto';
import { AuthenticationV1Api } from '@kubernetes/client-node';
import type { KubeClient } from '@nvsentinel/k8s';
import { CspCallDeniedError, CspUnavailableError } from '../providers/errors.js';

export interface Caller {
  username: string;
  audiences: string[];
}

export interface TokenAuthenticatorOptions {
  kube: KubeClient;
  audiences: readonly string[];
  /** How long a verdict is reused for the same token. Default 60 s; 0 disables the cache. */
  cacheTtlMs?: number;
  now?: () => number;
}

interface Verdict {
  expiresAt: number;
  caller?: Caller;
  denied?: string;
}

const MAX_CACHED = 1024;

export class TokenAuthenticator {
  readonly #api: AuthenticationV1Api;
  readonly #audiences: string[];
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Verdict>();

  constructor(options: TokenAuthenticatorOptions) {
    this.#api = options.kube.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.#audiences = [...options.audiences];
    this.#ttlMs = options.cacheTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  get audiences(): readonly string[] {
    return this.#audiences;
  }

  /** The caller behind `authorization` metadata, or CspCallDeniedError / CspUnavailableError. */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new CspCallDeniedError('no bearer token in the authorization metadata');
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.#cache.get(key);
    const verdict = cached && cached.expiresAt > this.#now() ? cached : await this.#review(key, token);
    if (verdict.denied !== undefined) throw new CspCallDeniedError(verdict.denied);
    return verdict.caller!;
  }

  async #review(key: string, token: string): Promise<Verdict> {
    let review;
    try {
      review = await this.#api.createTokenReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, audiences: this.#audiences },
        },
      });
    } catch (error) {
      // Not the caller's fault: answer UNAVAILABLE so janitor retries, and cache nothing.
      throw new CspUnavailableError(
        'janitor-provider',
        'authenticate a call for',
        '-',
        `TokenReview failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const status = review.status ?? {};
    const verdict: Verdict = { expiresAt: this.#now() + this.#ttlMs };
    const granted = (status.audiences ?? []).filter((audience) => this.#audiences.includes(audience));
    if (!status.authenticated) {
      verdict.denied = `the token was not accepted${status.error ? `: ${status.error}` : ''}`;
    } else if (granted.length === 0) {
      // An authenticator that ignores audiences answers without any: that is not our audience.
      verdict.denied = `the token is not valid for the audiences ${this.#audiences.join(', ')}`;
    } else {
      verdict.caller = { username: status.user?.username ?? '', audiences: granted };
    }
    if (this.#ttlMs > 0) {
      if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(key, verdict);
    }
    return verdict;
  }
}
