import { ProviderIdInvalidError } from '../errors.js';

export interface GceInstanceRef {
  project: string;
  zone: string;
  instance: string;
}

const GCE_PROVIDER_ID_FORMAT = 'gce://<project>/<zone>/<instance>, e.g. gce://my-project/us-central1-a/gpu-node-1';

export function parseGceProviderId(node: string, providerId: string): GceInstanceRef {
  const match = /^gce:\/\/([a-z0-9.:-]+)\/([a-z]+-[a-z]+\d+-[a-z])\/([a-z0-9-]+)$/.exec(providerId);
  if (!match) throw new ProviderIdInvalidError(node, providerId, 'gcp', GCE_PROVIDER_ID_FORMAT);
  return { project: match[1]!, zone: match[2]!, instance: match[3]! };
}
