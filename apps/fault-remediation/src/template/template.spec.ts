/**
 * The Go text/template subset: every expected output below is what Go 1.22's text/template
 * (plus sprig for lower/upper/quote/default/trim) prints for the same template and data.
 */
import { describe, expect, it } from 'vitest';
import { lex } from './lexer.js';
import { compileTemplate } from './template.js';
import { GoEnum, GoStruct } from './values.js';

const entity = (type: string, value: string) => new GoStruct('Entity', { EntityType: type, EntityValue: value });
const event = new GoStruct('HealthEvent', {
  NodeName: 'node-a',
  CheckName: 'GpuXidError',
  IsFatal: true,
  IsHealthy: false,
  RecommendedAction: new GoEnum('RecommendedAction', 'RESTART_VM', 15),
  EntitiesImpacted: [entity('GPU', '0'), entity('GPU_UUID', 'GPU-123')],
  Metadata: new Map([
    ['zone', 'us-east-1a'],
    ['rack', 'r7'],
  ]),
  ErrorCode: ['79', '48'],
  GeneratedTimestamp: null,
});
const data = new GoStruct('TemplateData', {
  HealthEvent: event,
  HealthEventID: 'abc',
  NodeName: 'node-a',
  RecommendedAction: 15,
  Namespace: '',
});

const render = (text: string, input: unknown = data) => compileTemplate('t.yaml', text).render(input);

describe('Go text/template subset: output', () => {
  it.each([
    ['plain text', 'kind: RebootNode\n', 'kind: RebootNode\n'],
    [
      'field chains',
      'name: maintenance-{{ .HealthEvent.NodeName }}-{{.HealthEventID}}',
      'name: maintenance-node-a-abc',
    ],
    [
      'enum prints its name, the int field its number',
      '{{ .HealthEvent.RecommendedAction }} {{ .RecommendedAction }}',
      'RESTART_VM 15',
    ],
    [
      'bools, slices and maps print like fmt',
      '{{ .HealthEvent.IsFatal }} {{ .HealthEvent.ErrorCode }} {{ .HealthEvent.Metadata }}',
      'true [79 48] map[rack:r7 zone:us-east-1a]',
    ],
    [
      'map keys are fields; a missing key is <no value>',
      '{{ .HealthEvent.Metadata.zone }}/{{ .HealthEvent.Metadata.missing }}',
      'us-east-1a/<no value>',
    ],
    ['nil pointer prints <nil>', '{{ .HealthEvent.GeneratedTimestamp }}', '<nil>'],
    [
      '$ is the root inside range',
      '{{ range .HealthEvent.EntitiesImpacted }}{{ $.NodeName }}:{{ .EntityValue }} {{ end }}',
      'node-a:0 node-a:GPU-123 ',
    ],
    ['range over a map is in key order', '{{ range .HealthEvent.Metadata }}{{ . }},{{ end }}', 'r7,us-east-1a,'],
    ['range else on an empty value', '{{ range .HealthEvent.Metadata.none }}x{{ else }}empty{{ end }}', 'empty'],
    [
      'if / else if / else',
      '{{ if .HealthEvent.IsHealthy }}a{{ else if eq .RecommendedAction 15 }}b{{ else }}c{{ end }}',
      'b',
    ],
    ['else branch', '{{ if .Namespace }}ns{{ else }}cluster{{ end }}', 'cluster'],
    [
      'with moves dot and skips empty values',
      '{{ with .HealthEvent }}{{ .CheckName }}{{ end }}{{ with .Namespace }}x{{ else }}-{{ end }}',
      'GpuXidError-',
    ],
    ['trim markers eat the white space beside them', 'a:\n  {{- " b" }}\n{{- /* gone */ -}}\n  c', 'a: bc'],
    ['comments render nothing', 'x{{/* a comment */}}y', 'xy'],
    ['pipelines pass the value as the last argument', '{{ .HealthEvent.CheckName | lower | quote }}', '"gpuxiderror"'],
    [
      'printf verbs',
      '{{ printf "%s-%d-%q-%v-%t" .NodeName 7 "x" .HealthEvent.RecommendedAction true }}',
      'node-a-7-"x"-RESTART_VM-true',
    ],
    ['printf %d of an enum is its number', '{{ printf "%d" .HealthEvent.RecommendedAction }}', '15'],
    [
      'parenthesized pipelines and their fields',
      '{{ upper (printf "%s" .NodeName) }} {{ (index .HealthEvent.EntitiesImpacted 1).EntityValue }}',
      'NODE-A GPU-123',
    ],
    [
      'eq with several candidates, ne, and, or, not',
      '{{ eq .NodeName "x" "node-a" }} {{ ne 1 2 }} {{ and 1 0 }} {{ or "" "y" }} {{ not .Namespace }}',
      'true true 0 y true',
    ],
    ['eq compares an enum with an int', '{{ if eq .HealthEvent.RecommendedAction 15 }}restart{{ end }}', 'restart'],
    [
      'len and index',
      '{{ len .HealthEvent.EntitiesImpacted }} {{ index .HealthEvent.ErrorCode 0 }} {{ index .HealthEvent.Metadata "rack" }}',
      '2 79 r7',
    ],
    [
      'default and quote of several',
      '{{ .Namespace | default "nvsentinel" }} {{ quote "a" "b" }}',
      'nvsentinel "a" "b"',
    ],
    ['print spaces non-string operands', '{{ print 1 2 "a" 3 }}', '1 2a3'],
    ['raw strings and escapes', '{{ `a\\n` }}|{{ "tab\\there" }}', 'a\\n|tab\there'],
    ['lt/gt on numbers', '{{ if lt 1 2 }}lt{{ end }}{{ if gt 1 2 }}gt{{ end }}', 'lt'],
    ['numbers beside a dash are not trim markers', '{{-3}}', '-3'],
  ])('%s', (_name, text, expected) => {
    expect(render(text)).toBe(expected);
  });

  it('keeps line numbers across multi-line actions for later errors', () => {
    const items = lex('t', 'a\n{{ .A\n }}\nb {{ .B }}');
    expect(items.filter((i) => i.kind === 'action').map((i) => i.line)).toEqual([2, 4]);
  });
});

describe('Go text/template subset: errors name the file, line and construct', () => {
  it.each([
    [
      'an unknown function',
      'a\n{{ toYaml .HealthEvent }}',
      /template t\.yaml line 2: function "toYaml" is not supported/,
    ],
    ['define', '{{ define "x" }}{{ end }}', /line 1: "\{\{ define \}\}" is not supported/],
    ['template', 'x\n\n{{ template "y" . }}', /line 3: "\{\{ template \}\}" is not supported/],
    ['variables', '{{ $x := 1 }}', /variable declarations and assignments/],
    ['range variables', '{{ range $i, $e := .HealthEvent.ErrorCode }}{{ end }}', /variables in range/],
    ['a named variable', '{{ $x }}', /variable \$x is not supported/],
    ['a missing end', 'a\n{{ if .NodeName }}x', /line 2: "\{\{ if \}\}" has no matching "\{\{ end \}\}"/],
    ['a stray end', '{{ end }}', /unexpected "\{\{ end \}\}"/],
    ['an unclosed action', 'a {{ .NodeName', /unclosed action/],
    ['an unterminated string', '{{ "abc }}', /unterminated quoted string/],
    ['an empty action', '{{ }}', /empty action/],
    ['character constants', "{{ 'a' }}", /character constants/],
    ['else with inside if', '{{ if .A }}{{ else with .B }}{{ end }}', /"else with" is not supported inside "if"/],
  ])('%s', (_name, text, message) => {
    expect(() => compileTemplate('t.yaml', text)).toThrow(message);
  });

  it.each([
    [
      'a field the struct does not have',
      'ok\n{{ .HealthEvent.NodeNam }}',
      /line 2: can't evaluate field NodeNam in type HealthEvent/,
    ],
    [
      'a field of a nil pointer',
      '{{ .HealthEvent.GeneratedTimestamp.Seconds }}',
      /nil pointer evaluating nil\.Seconds/,
    ],
    ['arguments to a non-function', '{{ .NodeName "x" }}', /can't give argument to non-function \.NodeName/],
    ['wrong arity', '{{ lower "a" "b" }}', /wrong number of args for lower: want 1 got 2/],
    ['index out of range', '{{ index .HealthEvent.ErrorCode 5 }}', /index out of range: 5/],
    ['an unsupported printf verb', '{{ printf "%e" 1 }}', /printf verb %e is not supported/],
    ['ranging over a string', '{{ range .NodeName }}{{ end }}', /range can't iterate over node-a/],
    ['comparing different types', '{{ eq .NodeName 1 }}', /incompatible types for comparison/],
  ])('at render: %s', (_name, text, message) => {
    const compiled = compileTemplate('t.yaml', text);
    expect(() => compiled.render(data)).toThrow(message);
    try {
      compiled.render(data);
    } catch (err) {
      expect((err as { code: string }).code).toBe('NVS_ERR_REMEDIATION_TEMPLATE');
    }
  });
});
