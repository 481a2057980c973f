/**
 * The grpc-js service definition of upstream's `nvidia.nvsentinel.janitor.v1alpha1.CSPProviderService`,
 * (de)serialised with the protobuf-es schemas generated from proto/csp/v1alpha1/provider.proto, so
 * upstream's janitor and ours can talk to either janitor-provider. Shared by server and client.
 */
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { MethodDefinition } from '@grpc/grpc-js';
import {
  CSPProviderService,
  IsNodeReadyRequestSchema,
  IsNodeReadyResponseSchema,
  SendRebootSignalRequestSchema,
  SendRebootSignalResponseSchema,
  SendTerminateSignalRequestSchema,
  SendTerminateSignalResponseSchema,
} from './gen/csp/v1alpha1/provider_pb.js';

export * from './gen/csp/v1alpha1/provider_pb.js';

function unary<I extends DescMessage, O extends DescMessage>(
  name: string,
  input: I,
  output: O,
): MethodDefinition<MessageShape<I>, MessageShape<O>> {
  return {
    path: `/${CSPProviderService.typeName}/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (message) => Buffer.from(toBinary(input, message)),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (message) => Buffer.from(toBinary(output, message)),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
    originalName: name.charAt(0).toLowerCase() + name.slice(1),
  };
}

export const cspProviderService = {
  SendRebootSignal: unary('SendRebootSignal', SendRebootSignalRequestSchema, SendRebootSignalResponseSchema),
  IsNodeReady: unary('IsNodeReady', IsNodeReadyRequestSchema, IsNodeReadyResponseSchema),
  SendTerminateSignal: unary(
    'SendTerminateSignal',
    SendTerminateSignalRequestSchema,
    SendTerminateSignalResponseSchema,
  ),
};
