import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { isPlainObject } from '../resources/kube-object.js';
import { badRequest } from '../errors.js';

/** Audience of tokens issued without one, and of reviews that name none (the API server's own). */
export const DEFAULT_TOKEN_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface IssueTokenOptions {
  /** Default `system:serviceaccount:default:default`. */
  username?: string;
  /** Default `[DEFAULT_TOKEN_AUDIENCE]`, like a projected token without `audience`. */
  audiences?: string[];
  groups?: string[];
}

interface IssuedToken {
  username: string;
  uid: string;
  groups: string[];
  audiences: string[];
}

/**
 * Service-account tokens for callers that authenticate each other through the API server
 * (`POST /apis/authentication.k8s.io/v1/tokenreviews`), with the real audience rules: a review
 * naming audiences succeeds only for a token issued for at least one of them, and answers with
 * that intersection. The simulator still ignores tokens on its own API (no authentication).
 */
export class TokenIssuer {
  readonly #tokens = new Map<string, IssuedToken>();

  issue(options: IssueTokenOptions = {}): string {
    const token = `sim.${randomBytes(24).toString('base64url')}`;
    const username = options.username ?? 'system:serviceaccount:default:default';
    const groups = options.groups ?? ['system:serviceaccounts', 'system:authenticated'];
    this.#tokens.set(token, {
      username,
      uid: randomUUID(),
      groups,
      audiences: options.audiences ?? [DEFAULT_TOKEN_AUDIENCE],
    });
    return token;
  }

  revoke(token: string): void {
    this.#tokens.delete(token);
  }

  review(body: unknown): Record<string, unknown> {
    if (!isPlainObject(body) || body.kind !== 'TokenReview' || !isPlainObject(body.spec)) {
      throw badRequest('the request body must be a TokenReview with a spec');
    }
    const spec = body.spec;
    const token = typeof spec.token === 'string' ? spec.token : '';
    const wanted =
      Array.isArray(spec.audiences) && spec.audiences.length > 0
        ? (spec.audiences as string[])
        : [DEFAULT_TOKEN_AUDIENCE];
    const issued = this.#tokens.get(token);
    const response = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: { creationTimestamp: null },
      spec,
    };
    if (!issued) return { ...response, status: { authenticated: false, error: 'invalid bearer token' } };
    const granted = issued.audiences.filter((audience) => wanted.includes(audience));
    if (granted.length === 0) {
      return {
        ...response,
        status: {
          authenticated: false,
          error:
            `token audiences [${issued.audiences.join(' ')}] ` +
            `is invalid for the target audiences [${wanted.join(' ')}]`,
        },
      };
    }
    return {
      ...response,
      status: {
        authenticated: true,
        user: { username: issued.username, uid: issued.uid, groups: issued.groups },
        audiences: granted,
      },
    };
  }
}

export function registerTokenReviewRoute(app: FastifyInstance, issuer: TokenIssuer): void {
  app.post('/apis/authentication.k8s.io/v1/tokenreviews', async (request, reply) =>
    reply.code(201).send(issuer.review(request.body)),
  );
}
