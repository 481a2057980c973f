/**
 * The prober's findings (issue 19), each replayed over real HTTP and real gRPC against the
 * running service on PostgreSQL and on the embedded engine: every malformed input is refused
 * with a named 400 / INVALID_ARGUMENT whose message names the field (with the event index) and
 * the rule, and nothing is stored (checked by counting the whole datastore). Then the
 * concurrency finding: a poisoned batch among 20 valid concurrent ones, 10 rounds, leaves every
 * valid batch stored.
 */
import { credentials, makeGenericClientConstructor, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { assertValidHealthEvents, proto } from '@nvsentinel/health-model';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventJson, type EventJson } from './testing/events.js';
import { rawHealthEvents, type SendResult } from './testing/grpc-client.js';
import { startHarness, type Harness } from './testing/harness.js';
import { HEALTH_EVENT_OCCURRED_PATH } from '@nvsentinel/health-model/grpc';

const MB = 1024 * 1024;
const BYTES_PLACEHOLDER = 'Q~Q';

/** A grpc-js client that sends raw bytes, for what no protobuf encoder would produce. */
function connectRawGrpc(socketPath: string): { send(bytes: Uint8Array): Promise<SendResult>; close(): void } {
  const Client = makeGenericClientConstructor(
    {
      HealthEventOccurredV1: {
        path: HEALTH_EVENT_OCCURRED_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (bytes: Uint8Array) => Buffer.from(bytes),
        requestDeserialize: (bytes: Buffer) => bytes,
        responseSerialize: (bytes: Uint8Array) => Buffer.from(bytes),
        responseDeserialize: (bytes: Buffer) => bytes,
      },
    },
    'PlatformConnector',
  );
  const client = new Client(`unix://${socketPath}`, credentials.createInsecure()) as unknown as {
    HealthEventOccurredV1(bytes: Uint8Array, callback: (err: ServiceError | null) => void): void;
    close(): void;
  };
  return {
    send: (bytes) =>
      new Promise((resolve) =>
        client.HealthEventOccurredV1(bytes, (err) =>
          resolve(err ? { ok: false, code: err.code, details: err.details, metadata: err.metadata } : { ok: true }),
        ),
      ),
    close: () => client.close(),
  };
}

/** The bytes of a HealthEvents message whose `field` of event 1 is the UTF-8 of a lone surrogate (ED A0 80). */
function loneSurrogateBytes(field: 'nodeName' | 'message' | 'agent' | 'checkName'): Uint8Array {
  const message = rawHealthEvents([grpcEvent(), { ...grpcEvent(), [field]: BYTES_PLACEHOLDER }]);
  const bytes = toBinary(proto.HealthEventsSchema, message);
  const at = Buffer.from(bytes).indexOf(BYTES_PLACEHOLDER);
  expect(at).toBeGreaterThan(0);
  bytes.set([0xed, 0xa0, 0x80], at);
  return bytes;
}

type RawEvent = MessageInitShape<typeof proto.HealthEventSchema>;

function grpcEvent(overrides: RawEvent = {}): RawEvent {
  return {
    agent: 'gpu-health-monitor',
    checkName: 'GpuXidError',
    nodeName: 'hostile-node',
    message: 'ok',
    ...overrides,
  };
}

const BAD_NODE_NAMES: Array<[string, string]> = [
  ['CJK', '节点一'],
  ['emoji', 'gpu-🔥-node'],
  ['RTL override', 'gpu\u202elon'],
  ['path traversal', '../../etc/passwd'],
  ['slash', 'a/b'],
  ['trailing newline', 'gpu-node-1\n'],
  ['300 characters', 'a'.repeat(300)],
  ['BEL', 'gpu\u0007node'],
  ['uppercase', 'GPU-Node-1'],
  ['underscore', 'gpu_node'],
  ['space', 'gpu node'],
  ['leading dot', '.gpu-node'],
  ['trailing dash', 'gpu-node-'],
  ['empty label', 'gpu..node'],
  ['64-character label', `${'a'.repeat(64)}.cluster`],
  ['tab', 'gpu\tnode'],
];

/** String fields (JSON path → how to set it on a proto3 JSON event). */
const STRING_FIELDS: Array<[string, (bad: string) => EventJson]> = [
  ['agent', (bad) => ({ agent: bad })],
  ['componentClass', (bad) => ({ componentClass: bad })],
  ['checkName', (bad) => ({ checkName: bad })],
  ['message', (bad) => ({ message: bad })],
  ['errorCode[0]', (bad) => ({ errorCode: [bad] })],
  ['entitiesImpacted[0].entityType', (bad) => ({ entitiesImpacted: [{ entityType: bad, entityValue: '0' }] })],
  ['entitiesImpacted[0].entityValue', (bad) => ({ entitiesImpacted: [{ entityType: 'GPU', entityValue: bad }] })],
  ['metadata.zone', (bad) => ({ metadata: { zone: bad } })],
  ['nodeName', (bad) => ({ nodeName: bad })],
  ['customRecommendedAction', (bad) => ({ recommendedAction: 'CUSTOM', customRecommendedAction: `X${bad}` })],
  ['id', (bad) => ({ id: bad })],
];

/** The same fields on a raw protobuf event. */
function grpcWith(field: string, bad: string): RawEvent {
  const json = STRING_FIELDS.find(([f]) => f === field)![1](bad);
  const raw: Record<string, unknown> = { ...json };
  if (raw.recommendedAction === 'CUSTOM') raw.recommendedAction = 27;
  return grpcEvent(raw as RawEvent);
}

for (const provider of ['postgresql', 'embedded'] as const) {
  describe(`malformed input is refused with a named error and nothing stored (${provider})`, () => {
    let h: Harness;
    let raw: ReturnType<typeof connectRawGrpc>;
    const count = (): Promise<number> => h.datastore.healthEventStore().countHealthEvents();

    beforeAll(async () => {
      h = await startHarness({ provider });
      raw = connectRawGrpc(h.socketPath);
    }, 60_000);
    afterAll(async () => {
      raw?.close();
      await h?.close();
    });

    /** POSTs [valid, bad] and expects a 400 naming `events[1].<path>` with `rule`; nothing stored. */
    async function httpRefuses(bad: EventJson | unknown, path: string, rule: string | RegExp): Promise<void> {
      const before = await count();
      const body =
        Array.isArray(bad) || (bad as { events?: unknown }).events === undefined
          ? [eventJson({ nodeName: 'hostile-node' }), bad]
          : bad;
      const response = await h.post(body);
      expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(400);
      expect(response.body.code).toBe('NVS_ERR_PC_HEALTH_EVENTS_INVALID');
      const issue = (response.body.issues as Array<{ path: string; message: string }>).find((i) => i.path === path);
      expect(issue, `${path} in ${JSON.stringify(response.body.issues).slice(0, 300)}`).toBeDefined();
      expect(issue!.message).toMatch(rule);
      expect(response.body.message.length).toBeLessThan(4000);
      expect(await count()).toBe(before);
    }

    /** Sends [valid, bad] over gRPC and expects INVALID_ARGUMENT naming `events[1].<path>`; nothing stored. */
    async function grpcRefuses(bad: RawEvent, path: string, rule: string | RegExp): Promise<void> {
      const before = await count();
      const result = await h.grpc.send(rawHealthEvents([grpcEvent(), bad]));
      expect(result.ok).toBe(false);
      expect(result.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(result.metadata?.get('nvs-error-code')).toEqual(['NVS_ERR_PC_HEALTH_EVENTS_INVALID']);
      expect(result.details).toContain(`${path}: `);
      expect(result.details).toMatch(rule);
      expect(await count()).toBe(before);
    }

    it('stores a valid batch on both transports (the refusals below are not vacuous)', async () => {
      const before = await count();
      expect((await h.post([eventJson({ nodeName: 'hostile-node' })])).status).toBe(200);
      expect(await h.grpc.send(rawHealthEvents([grpcEvent()]))).toEqual({ ok: true });
      expect(await count()).toBe(before + 2);
    });

    it.each(BAD_NODE_NAMES)('node name with %s', async (_kind, nodeName) => {
      const rule = /Kubernetes node name/;
      await httpRefuses(eventJson({ nodeName }), 'events[1].nodeName', rule);
      await grpcRefuses(grpcEvent({ nodeName }), 'events[1].nodeName', rule);
    });

    it.each<[string, string]>([
      ['message', 'at most 65536 bytes'],
      ['agent', 'at most 256 bytes'],
      ['errorCode[0]', 'at most 256 bytes'],
      ['checkName', 'at most 256 bytes'],
      ['nodeName', 'a Kubernetes node name is at most 253 characters'],
    ])('a 1 MB %s', async (field, rule) => {
      const huge = 'x'.repeat(MB);
      await httpRefuses(
        eventJson(STRING_FIELDS.find(([f]) => f === field)![1](huge)),
        `events[1].${field}`,
        `${MB} bytes long; ${rule}`,
      );
      await grpcRefuses(grpcWith(field, huge), `events[1].${field}`, `${MB} bytes long; ${rule}`);
    });

    it.each(STRING_FIELDS.map(([field]) => field))('U+0000 and a lone surrogate in %s', async (field) => {
      const nodeRule = /Kubernetes node name/;
      const set = STRING_FIELDS.find(([f]) => f === field)![1];
      await httpRefuses(
        eventJson(set('a\u0000b')),
        `events[1].${field}`,
        field === 'nodeName' ? nodeRule : /control character U\+0000/,
      );
      await httpRefuses(
        eventJson(set('a\ud800b')),
        `events[1].${field}`,
        field === 'nodeName' ? nodeRule : /lone surrogate \(U\+D800\)/,
      );
      await grpcRefuses(
        grpcWith(field, 'a\u0000b'),
        `events[1].${field}`,
        field === 'nodeName' ? nodeRule : /control character U\+0000/,
      );
    });

    it.each(['nodeName', 'message', 'agent', 'checkName'] as const)(
      'a lone surrogate over gRPC (invalid UTF-8 in %s)',
      async (field) => {
        const before = await count();
        const result = await raw.send(loneSurrogateBytes(field));
        expect(result.code).toBe(GrpcStatus.INVALID_ARGUMENT);
        expect(result.metadata?.get('nvs-error-code')).toEqual(['NVS_ERR_PC_REQUEST_UNDECODABLE']);
        expect(result.details).toMatch(/not a valid datamodels.HealthEvents protobuf message .*UTF-8/);
        expect(await count()).toBe(before);
      },
    );

    it.each<[string, unknown, string, string | RegExp]>([
      [
        '{"seconds":null} (was stored as 1970)',
        { seconds: null },
        'events[1].generatedTimestamp.seconds',
        'expected integer, got null',
      ],
      ['a timestamp without seconds', { nanos: 1 }, 'events[1].generatedTimestamp.seconds', /^required/],
      [
        'seconds beyond year 9999',
        { seconds: '999999999999' },
        'events[1].generatedTimestamp.seconds',
        /years 0001\.\.9999/,
      ],
      [
        'an unparseable string',
        'yesterday',
        'events[1].generatedTimestamp',
        /invalid timestamp 'yesterday' \(expected RFC 3339/,
      ],
      ['a date without time', '2026-11-21', 'events[1].generatedTimestamp', /expected RFC 3339/],
      ['an impossible date', '2026-02-30T00:00:00Z', 'events[1].generatedTimestamp', /expected RFC 3339/],
    ])('HTTP timestamp: %s', async (_kind, generatedTimestamp, path, rule) => {
      await httpRefuses(eventJson({ generatedTimestamp }), path, rule);
    });

    it('gRPC timestamps out of range', async () => {
      await grpcRefuses(
        grpcEvent({ generatedTimestamp: { seconds: 253_402_300_800n } }),
        'events[1].generatedTimestamp.seconds',
        /years 0001\.\.9999/,
      );
      await grpcRefuses(
        grpcEvent({ generatedTimestamp: { seconds: 1n, nanos: -1 } }),
        'events[1].generatedTimestamp.nanos',
        /between 0 and 999999999/,
      );
    });

    it.each<[string, EventJson, string, string | RegExp]>([
      ['unknown event field', { severity: 'high' }, 'events[1].severity', /^unknown field/],
      [
        'unknown entity field',
        { entitiesImpacted: [{ entityType: 'GPU', entityValue: '0', slot: 1 }] },
        'events[1].entitiesImpacted[0].slot',
        /^unknown field/,
      ],
      [
        'unknown timestamp field',
        { generatedTimestamp: { seconds: 1, millis: 5 } },
        'events[1].generatedTimestamp.millis',
        /^unknown field/,
      ],
      ['boolean as a string', { isFatal: 'yes' }, 'events[1].isFatal', 'expected boolean, got string'],
      ['string as a number', { message: 42 }, 'events[1].message', 'expected string, got number'],
      ['errorCode as a string', { errorCode: '79' }, 'events[1].errorCode', 'expected array of strings, got string'],
      [
        'too many errorCodes',
        { errorCode: Array.from({ length: 257 }, () => '79') },
        'events[1].errorCode',
        'has 257 entries; at most 256 are allowed',
      ],
      [
        'too many metadata entries',
        { metadata: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])) },
        'events[1].metadata',
        'at most 128',
      ],
    ])('HTTP %s', async (_kind, overrides, path, rule) => {
      await httpRefuses(eventJson(overrides), path, rule);
    });

    it('an unknown envelope field', async () => {
      const before = await count();
      const response = await h.post({ events: [eventJson()], source: 'x' });
      expect(response.status).toBe(400);
      expect(response.body.issues[0].path).toBe('source');
      expect(await count()).toBe(before);
    });

    it('garbage protobuf is INVALID_ARGUMENT, never INTERNAL, and stores nothing (property)', async () => {
      const before = await count();
      const fixed = await raw.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
      expect(fixed.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(fixed.metadata?.get('nvs-error-code')).toEqual(['NVS_ERR_PC_REQUEST_UNDECODABLE']);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
          const result = await raw.send(bytes);
          expect(result.ok).toBe(false);
          expect(result.code).toBe(GrpcStatus.INVALID_ARGUMENT);
        }),
        { numRuns: 60 },
      );
      expect(await count()).toBe(before);
    }, 60_000);

    it('a poisoned batch among 20 valid concurrent ones, 10 rounds: every valid batch stored, the poisoned one refused', async () => {
      const poisons: Array<{ name: string; http?: EventJson; grpc?: Uint8Array | RawEvent }> = [
        {
          name: 'NUL',
          http: eventJson({ nodeName: 'poison-node', message: 'a\u0000b' }),
          grpc: grpcEvent({ nodeName: 'poison-node', message: 'a\u0000b' }),
        },
        {
          name: 'lone surrogate',
          http: eventJson({ nodeName: 'poison-node', agent: 'a\udc00' }),
          grpc: loneSurrogateBytes('agent'),
        },
        {
          name: '1 MB checkName',
          http: eventJson({ nodeName: 'poison-node', checkName: 'C'.repeat(MB) }),
          grpc: grpcEvent({ nodeName: 'poison-node', checkName: 'C'.repeat(MB) }),
        },
        {
          name: '1 MB nodeName',
          http: eventJson({ nodeName: 'n'.repeat(MB) }),
          grpc: grpcEvent({ nodeName: 'n'.repeat(MB) }),
        },
      ];
      const node = `concurrent-${provider}`;
      const before = await count();
      for (const poison of poisons) {
        let validOk = 0;
        for (let r = 0; r < 10; r++) {
          const viaGrpc = r % 2 === 1;
          const valid = Array.from({ length: 20 }, (_, i) =>
            i % 2 === 0
              ? h.post([eventJson({ nodeName: node })]).then((x) => x.status === 200)
              : h.grpc
                  .sendEvents(assertValidHealthEvents({ events: [eventJson({ nodeName: node })] }))
                  .then((x) => x.ok),
          );
          const poisoned = viaGrpc
            ? (poison.grpc instanceof Uint8Array
                ? raw.send(poison.grpc)
                : h.grpc.send(rawHealthEvents([poison.grpc!]))
              ).then((x) => x.code)
            : h.post([poison.http]).then((x) => x.status);
          const [ok, refusal] = await Promise.all([Promise.all(valid), poisoned]);
          validOk += ok.filter(Boolean).length;
          expect(refusal, `${poison.name} round ${r}`).toBe(viaGrpc ? GrpcStatus.INVALID_ARGUMENT : 400);
        }
        expect(validOk, poison.name).toBe(200);
      }
      expect(await h.storedFor(node)).toBe(800);
      expect(await h.storedFor('poison-node')).toBe(0);
      expect(await count()).toBe(before + 800);
    }, 180_000);
  });
}
