import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HealthEvent } from '../model/types.js';
import { healthEventArbitrary } from '../testing/arbitraries.js';
import { validateHealthEvent, validateHealthEvents } from './health-event.js';
import { formatIssue } from './issues.js';
import { HEALTH_EVENT_LIMITS } from './limits.js';
import { healthEventsToProtoJson, toProtoJson } from './proto-json.js';
import { validateDecodedHealthEvents } from './rules.js';
import { quoteValue, utf8ByteLength } from './text.js';

const valid = { agent: 'gpu-health-monitor', checkName: 'GpuXidError', nodeName: 'gpu-node-1' };
const MB = 1024 * 1024;

/** Rendered issues of a one-event batch. */
function problems(event: Record<string, unknown>): string[] {
  const result = validateHealthEvents({ events: [event] });
  return result.ok ? [] : result.errors.map(formatIssue);
}

/** Rendered issues of the same event decoded from protobuf (gRPC path). */
function decodedProblems(event: Record<string, unknown>): string[] {
  const model: HealthEvent = {
    version: 1,
    agent: '',
    componentClass: '',
    checkName: '',
    isFatal: false,
    isHealthy: false,
    message: '',
    recommendedAction: 0,
    errorCode: [],
    entitiesImpacted: [],
    metadata: {},
    nodeName: '',
    processingStrategy: 0,
    id: '',
    customRecommendedAction: '',
    ...event,
  } as HealthEvent;
  return validateDecodedHealthEvents([model]).map(formatIssue);
}

describe('node names Kubernetes would refuse (the prober found them stored)', () => {
  const rfc = "is not a valid Kubernetes node name (RFC 1123 subdomain: lowercase letters, digits, '-' and '.')";
  it.each<[string, string, string]>([
    ['a path', 'a/b', `events[0].nodeName: "a/b" ${rfc}`],
    ['path traversal', '../../etc/passwd', `events[0].nodeName: "../../etc/passwd" ${rfc}`],
    ['CJK', '节点一', `events[0].nodeName: "节点一" ${rfc}`],
    ['emoji', 'gpu-🔥-node', `events[0].nodeName: "gpu-🔥-node" ${rfc}`],
    ['an RTL override', 'gpu\u202enode', `events[0].nodeName: "gpu\\u202enode" ${rfc}`],
    ['a trailing newline', 'gpu-node-1\n', `events[0].nodeName: "gpu-node-1\\u000a" ${rfc}`],
    ['BEL', 'gpu\u0007node', `events[0].nodeName: "gpu\\u0007node" ${rfc}`],
    ['uppercase', 'GPU-Node-1', `events[0].nodeName: "GPU-Node-1" ${rfc}`],
    ['a leading dash', '-gpu', `events[0].nodeName: "-gpu" ${rfc}`],
    ['an empty label', 'gpu..node', `events[0].nodeName: "gpu..node" ${rfc}`],
    ['an underscore', 'gpu_node', `events[0].nodeName: "gpu_node" ${rfc}`],
  ])('rejects %s on both paths, naming the field and the rule', (_kind, nodeName, expected) => {
    const rule = '; each dot-separated part must start and end with a letter or digit';
    expect(problems({ ...valid, nodeName })).toStrictEqual([`${expected}${rule}`]);
    expect(decodedProblems({ ...valid, nodeName })).toStrictEqual(problems({ ...valid, nodeName }));
  });

  it('rejects 300 characters (limit 253) and a 64-character label (limit 63)', () => {
    const long = `${'a'.repeat(60)}.`.repeat(5);
    expect(problems({ ...valid, nodeName: long.slice(0, 300) })).toStrictEqual([
      `events[0].nodeName: ${quoteValue(long.slice(0, 300))} is 300 bytes long; a Kubernetes node name is at most 253 characters`,
    ]);
    const label = `${'a'.repeat(64)}.example`;
    expect(problems({ ...valid, nodeName: label })[0]).toMatch(
      /part "a{48}"… is 64 characters long; each dot-separated part is at most 63$/,
    );
  });

  it('accepts exactly 253 characters and 63-character labels', () => {
    const name = [61, 63, 63, 63].map((n) => 'a'.repeat(n)).join('.');
    expect(name).toHaveLength(253);
    expect(problems({ ...valid, nodeName: name })).toStrictEqual([]);
    expect(problems({ ...valid, nodeName: 'ip-10-0-1-23.ec2.internal' })).toStrictEqual([]);
  });

  it('accepts a name iff it is an RFC 1123 subdomain within the limits (property, against a reference)', () => {
    const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
    const reference = (n: string): boolean =>
      n.length <= 253 && n.split('.').every((l) => label.test(l) && l.length <= 63);
    const names = fc
      .oneof(
        fc.stringMatching(/^[a-z0-9.-]{1,20}$/),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
        fc
          .array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,70}[a-z0-9])?$/), { minLength: 1, maxLength: 6 })
          .map((ls) => ls.join('.')),
      )
      .filter((n) => n.trim() !== '');
    fc.assert(
      fc.property(names, (nodeName) => {
        expect(problems({ ...valid, nodeName }).length === 0).toBe(reference(nodeName));
      }),
      { numRuns: 500 },
    );
  });
});

describe('string content and limits', () => {
  const stringFields = ['agent', 'componentClass', 'checkName', 'message', 'customRecommendedAction', 'id'] as const;

  it.each(stringFields)('rejects NUL, BEL and a lone surrogate in %s', (field) => {
    for (const [bad, what] of [
      ['a\u0000b', 'control character U+0000 at index 1'],
      ['a\u0007', 'control character U+0007 at index 1'],
      ['x\ud800y', 'a lone surrogate (U+D800) at index 1'],
      ['\udc00', 'a lone surrogate (U+DC00) at index 0'],
    ]) {
      const event = { ...valid, [field]: bad };
      const [issue, ...rest] = problems(event);
      expect(rest).toStrictEqual([]);
      expect(issue).toContain(`events[0].${field}: contains ${what}`);
      expect(decodedProblems(event)).toStrictEqual([issue]);
    }
  });

  it('rejects NUL and lone surrogates inside lists and maps, with their index or key', () => {
    expect(problems({ ...valid, errorCode: ['79', 'x\u0000'] })[0]).toMatch(
      /^events\[0\]\.errorCode\[1\]: contains control character U\+0000/,
    );
    expect(problems({ ...valid, entitiesImpacted: [{ entityType: 'GPU', entityValue: '\ud83d' }] })[0]).toMatch(
      /^events\[0\]\.entitiesImpacted\[0\]\.entityValue: contains a lone surrogate/,
    );
    expect(problems({ ...valid, metadata: { zone: 'a\u0000' } })[0]).toMatch(
      /^events\[0\]\.metadata\.zone: contains control character U\+0000/,
    );
    expect(problems({ ...valid, metadata: { 'z\u0000': 'a' } })[0]).toMatch(
      /^events\[0\]\.metadata\["z\\u0000"\]: key contains control character/,
    );
  });

  it('allows tab, line feed and carriage return in message and metadata values only', () => {
    expect(problems({ ...valid, message: 'line 1\n\tline 2\r\n', metadata: { note: 'a\tb' } })).toStrictEqual([]);
    expect(problems({ ...valid, checkName: 'Gpu\tXid' })[0]).toContain(
      'events[0].checkName: contains control character U+0009',
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      '1 MB message',
      { message: 'm'.repeat(MB) },
      `events[0].message: "${'m'.repeat(48)}"… is ${MB} bytes long; at most 65536 bytes (UTF-8) are allowed`,
    ],
    [
      '1 MB agent',
      { agent: 'a'.repeat(MB) },
      `events[0].agent: "${'a'.repeat(48)}"… is ${MB} bytes long; at most 256 bytes (UTF-8) are allowed`,
    ],
    [
      '1 MB errorCode',
      { errorCode: ['e'.repeat(MB)] },
      `events[0].errorCode[0]: "${'e'.repeat(48)}"… is ${MB} bytes long; at most 256 bytes (UTF-8) are allowed`,
    ],
    [
      '1 MB checkName',
      { checkName: 'C'.repeat(MB) },
      `events[0].checkName: "${'C'.repeat(48)}"… is ${MB} bytes long; at most 256 bytes (UTF-8) are allowed`,
    ],
    [
      '1 MB nodeName',
      { nodeName: 'n'.repeat(MB) },
      `events[0].nodeName: "${'n'.repeat(48)}"… is ${MB} bytes long; a Kubernetes node name is at most 253 characters`,
    ],
    [
      '257-byte componentClass (multi-byte)',
      { componentClass: 'é'.repeat(129) },
      `events[0].componentClass: "${'é'.repeat(48)}"… is 258 bytes long; at most 256 bytes (UTF-8) are allowed`,
    ],
  ])('rejects a %s with a short message naming the limit', (_kind, overrides, expected) => {
    const event = { ...valid, ...overrides };
    expect(problems(event)).toStrictEqual([expected]);
    expect(decodedProblems(event)).toStrictEqual([expected]);
  });

  it('accepts every string exactly at its limit', () => {
    const event = {
      ...valid,
      agent: 'a'.repeat(256),
      checkName: 'c'.repeat(256),
      message: 'm'.repeat(HEALTH_EVENT_LIMITS.messageBytes),
      errorCode: Array.from({ length: HEALTH_EVENT_LIMITS.errorCodes }, () => 'e'.repeat(256)),
      metadata: Object.fromEntries(
        Array.from({ length: HEALTH_EVENT_LIMITS.metadataEntries }, (_, i) => [`k${i}`, 'v'.repeat(4096)]),
      ),
      entitiesImpacted: Array.from({ length: HEALTH_EVENT_LIMITS.entities }, (_, i) => ({
        entityType: 'GPU',
        entityValue: `${i}`,
      })),
    };
    expect(problems(event)).toStrictEqual([]);
  });

  it('rejects lists beyond their limits', () => {
    expect(problems({ ...valid, errorCode: Array.from({ length: 257 }, () => '1') })).toStrictEqual([
      'events[0].errorCode: has 257 entries; at most 256 are allowed',
    ]);
    expect(
      problems({
        ...valid,
        entitiesImpacted: Array.from({ length: 257 }, () => ({ entityType: 'GPU', entityValue: '0' })),
      }),
    ).toStrictEqual(['events[0].entitiesImpacted: has 257 entries; at most 256 are allowed']);
    expect(
      problems({ ...valid, metadata: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])) }),
    ).toStrictEqual(['events[0].metadata: has 129 entries; at most 128 are allowed']);
  });

  it('never echoes a huge unknown key, enum name or timestamp in full', () => {
    const huge = 'x'.repeat(MB);
    for (const issue of [
      ...problems({ ...valid, [huge]: 1 }),
      ...problems({ ...valid, recommendedAction: huge }),
      ...problems({ ...valid, generatedTimestamp: huge }),
    ]) {
      expect(issue.length).toBeLessThan(400);
    }
  });

  it('a control character or lone surrogate anywhere in any string is refused on both paths (property)', () => {
    const fields = ['agent', 'componentClass', 'checkName', 'message', 'customRecommendedAction', 'nodeName'] as const;
    const poison = fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\ud800', '\udfff');
    fc.assert(
      fc.property(healthEventArbitrary(), fc.constantFrom(...fields), poison, fc.nat(), (event, field, bad, at) => {
        const original = event[field];
        const position = at % (original.length + 1);
        const poisoned = { ...event, [field]: original.slice(0, position) + bad + original.slice(position) };
        const json = validateHealthEvent(toProtoJson(poisoned), 'events[0]');
        expect(json.ok).toBe(false);
        if (json.ok) return;
        expect(json.errors.map((e) => e.path)).toStrictEqual([`events[0].${field}`]);
        expect(validateDecodedHealthEvents([poisoned]).map((e) => e.path)).toStrictEqual([`events[0].${field}`]);
      }),
      { numRuns: 300 },
    );
  });

  it('counts UTF-8 bytes like Buffer.byteLength for well-formed strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(utf8ByteLength(s)).toBe(Buffer.byteLength(s, 'utf8'));
      }),
    );
  });
});

describe('timestamps', () => {
  it.each<[string, unknown, string]>([
    [
      '{"seconds":null} (was stored as 1970)',
      { seconds: null },
      'events[0].generatedTimestamp.seconds: expected integer, got null',
    ],
    [
      'an object without seconds',
      { nanos: 5 },
      'events[0].generatedTimestamp.seconds: required (integer seconds since 1970-01-01T00:00:00Z)',
    ],
    [
      'an empty object',
      {},
      'events[0].generatedTimestamp.seconds: required (integer seconds since 1970-01-01T00:00:00Z)',
    ],
    ['null nanos', { seconds: 1, nanos: null }, 'events[0].generatedTimestamp.nanos: expected integer, got null'],
    [
      'seconds beyond year 9999',
      { seconds: 253_402_300_800 },
      'events[0].generatedTimestamp.seconds: must be between -62135596800 and 253402300799 (years 0001..9999), got 253402300800',
    ],
    [
      'a year-10000 string',
      '10000-01-01T00:00:00Z',
      "events[0].generatedTimestamp: invalid timestamp '10000-01-01T00:00:00Z' (expected RFC 3339, e.g. '2026-01-02T03:04:05.123Z')",
    ],
    [
      'a date without time',
      '2026-11-21',
      "events[0].generatedTimestamp: invalid timestamp '2026-11-21' (expected RFC 3339, e.g. '2026-01-02T03:04:05.123Z')",
    ],
    [
      'a timestamp without offset',
      '2026-11-21T10:00:00',
      "events[0].generatedTimestamp: invalid timestamp '2026-11-21T10:00:00' (expected RFC 3339, e.g. '2026-01-02T03:04:05.123Z')",
    ],
    [
      'a leap second',
      '2026-12-31T23:59:60Z',
      "events[0].generatedTimestamp: invalid timestamp '2026-12-31T23:59:60Z' (expected RFC 3339, e.g. '2026-01-02T03:04:05.123Z')",
    ],
    [
      'seconds as a float string',
      { seconds: '1.5' },
      'events[0].generatedTimestamp.seconds: expected integer, got "1.5"',
    ],
  ])('rejects %s', (_kind, generatedTimestamp, expected) => {
    expect(problems({ ...valid, generatedTimestamp })).toStrictEqual([expected]);
  });

  it('decoded timestamps out of range are refused by the gRPC path', () => {
    expect(decodedProblems({ ...valid, generatedTimestamp: { seconds: -62_135_596_801, nanos: 0 } })).toStrictEqual([
      'events[0].generatedTimestamp.seconds: must be between -62135596800 and 253402300799 (years 0001..9999), got -62135596801',
    ]);
  });
});

describe('validateDecodedHealthEvents agrees with the JSON validator (property)', () => {
  it('same issue paths for mutated events', () => {
    const mutation = fc.oneof(
      fc.record({
        field: fc.constantFrom('agent', 'checkName', 'nodeName', 'message', 'componentClass'),
        value: fc.oneof(
          fc.string({ unit: 'binary', maxLength: 8 }),
          fc.constantFrom('', ' ', 'A/B', 'x'.repeat(300), '\u0000'),
        ),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(healthEventArbitrary(), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), mutation), { maxLength: 3 }),
        (events, mutations) => {
          const mutated = events.map((e) => ({ ...e }));
          for (const [i, m] of mutations)
            (mutated[i % mutated.length] as unknown as Record<string, unknown>)[m.field] = m.value;
          const json = validateHealthEvents(healthEventsToProtoJson(mutated));
          const decoded = validateDecodedHealthEvents(mutated);
          expect(decoded.map(formatIssue)).toStrictEqual(json.ok ? [] : json.errors.map(formatIssue));
        },
      ),
      { numRuns: 300 },
    );
  });
});
