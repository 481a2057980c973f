import { ProviderIdInvalidError } from '../errors.js';

export interface AwsInstanceRef {
  zone: string;
  instanceId: string;
  /** The region the zone belongs to (us-east-1a → us-east-1, us-west-2-lax-1a → us-west-2). */
  region: string;
}

const AWS_PROVIDER_ID_FORMAT = 'aws:///<availability-zone>/<instance-id>, e.g. aws:///us-east-1a/i-0123456789abcdef0';

/** `aws:///us-east-1a/i-0abc…` as the AWS cloud provider writes it (the instance is the 5th `/` segment). */
export function parseAwsProviderId(node: string, providerId: string): AwsInstanceRef {
  const match = /^aws:\/\/\/([a-z0-9-]+)\/(i-[0-9a-f]{8,17})$/.exec(providerId);
  const region = match ? /^([a-z]{2}(?:-gov)?-[a-z]+-\d+)/.exec(match[1]!)?.[1] : undefined;
  if (!match || !region) throw new ProviderIdInvalidError(node, providerId, 'aws', AWS_PROVIDER_ID_FORMAT);
  return { zone: match[1]!, instanceId: match[2]!, region };
}
