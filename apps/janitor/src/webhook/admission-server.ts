/**
 * The validating admission webhook over HTTPS (node:https), speaking admission.k8s.io/v1
 * AdmissionReview. Every path is served the same way, so the kubebuilder paths
 * (`/validate-janitor-dgxc-nvidia-com-v1alpha1-rebootnode`, …) and a plain `/validate` both work.
 */
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@nvsentinel/service-kit';
import { WebhookConfigError } from '../errors.js';
import type { AdmissionRequest, JanitorValidator } from './validator.js';

export interface AdmissionServerOptions {
  validator: JanitorValidator;
  logger: Logger;
  port: number;
  host?: string;
  cert?: string;
  key?: string;
  certFile?: string;
  keyFile?: string;
}

export interface AdmissionServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024;

async function pem(text: string | undefined, file: string | undefined, what: string): Promise<string> {
  if (text) return text;
  if (!file) throw new WebhookConfigError(`no ${what} was given`);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new WebhookConfigError(`the ${what} file ${file} cannot be read (${(err as Error).message})`, { cause: err });
  }
}

export async function startAdmissionServer(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const cert = await pem(options.cert, options.certFile, 'certificate');
  const key = await pem(options.key, options.keyFile, 'key');
  const { validator, logger } = options;
  let server: Server;
  try {
    server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (request, response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) request.destroy();
        else chunks.push(chunk);
      });
      request.on('end', () => {
        void (async () => {
          const reply = (code: number, body: unknown): void => {
            response.writeHead(code, { 'content-type': 'application/json' });
            response.end(JSON.stringify(body));
          };
          if (request.method !== 'POST') return reply(405, { message: 'POST an admission.k8s.io/v1 AdmissionReview' });
          let review: { apiVersion?: string; kind?: string; request?: AdmissionRequest };
          try {
            review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reply(400, { message: 'the body is not JSON; POST an admission.k8s.io/v1 AdmissionReview' });
          }
          if (review.kind !== 'AdmissionReview' || !review.request?.uid) {
            return reply(400, { message: 'expected an admission.k8s.io/v1 AdmissionReview with request.uid' });
          }
          const decision = await validator.validate(review.request).catch((err: unknown) => ({
            allowed: false as const,
            reason: `janitor could not validate the request: ${(err as Error).message}`,
          }));
          if (!decision.allowed) {
            logger.info(
              {
                uid: review.request.uid,
                name: review.request.name,
                operation: review.request.operation,
                reason: decision.reason,
              },
              'admission denied',
            );
          }
          reply(200, {
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: decision.allowed
              ? { uid: review.request.uid, allowed: true }
              : {
                  uid: review.request.uid,
                  allowed: false,
                  status: { code: 403, reason: 'Forbidden', message: decision.reason },
                },
          });
        })();
      });
    });
  } catch (err) {
    throw new WebhookConfigError(`the certificate or key is not usable (${(err as Error).message})`, { cause: err });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new WebhookConfigError(`port ${options.port} cannot be listened on (${err.message})`, { cause: err })),
    );
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'admission webhook serving');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
