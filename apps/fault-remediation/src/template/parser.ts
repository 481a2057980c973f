/**
 * Parser: lexer items → a tree of text, actions and the control structures `if` / `else if` /
 * `else` / `range` / `with` … `end`. Pipelines are commands joined by `|`; each command is a
 * function call or a single operand. Go constructs outside the subset (`define`, `template`,
 * `block`, variables other than `$`, assignments, `break`/`continue`) are rejected by name.
 */
import { TemplateError } from '../errors.js';
import type { Item, Token } from './lexer.js';

export type Operand =
  | { kind: 'field'; path: string[]; line: number } // .A.B
  | { kind: 'dot'; line: number }
  | { kind: 'root'; path: string[]; line: number } // $ or $.A.B
  | { kind: 'string'; value: string; line: number }
  | { kind: 'number'; value: number; line: number }
  | { kind: 'bool'; value: boolean; line: number }
  | { kind: 'nil'; line: number }
  | { kind: 'function'; name: string; line: number }
  | { kind: 'pipeline'; pipeline: Pipeline; path: string[]; line: number }; // (pipe).A.B

export interface Command {
  operands: Operand[];
  line: number;
}

export interface Pipeline {
  commands: Command[];
  line: number;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if' | 'with'; branches: Array<{ pipeline: Pipeline; body: Node[] }>; elseBody: Node[] | undefined }
  | { kind: 'range'; pipeline: Pipeline; body: Node[]; elseBody: Node[] | undefined };

const UNSUPPORTED_KEYWORDS = new Set(['define', 'template', 'block', 'break', 'continue']);

export function parse(file: string, items: Item[]): Node[] {
  let index = 0;

  /** Nodes until one of `stops` (an `else` or `end` action); returns the stopping action's tokens. */
  function parseList(
    stops: readonly string[],
    opener?: { keyword: string; line: number },
  ): { nodes: Node[]; stop?: Token[] } {
    const nodes: Node[] = [];
    while (index < items.length) {
      const item = items[index++]!;
      if (item.kind === 'text') {
        nodes.push({ kind: 'text', text: item.text });
        continue;
      }
      const [first, ...rest] = item.tokens;
      if (!first) throw new TemplateError(file, item.line, 'missing value for command: empty action "{{ }}"');
      const keyword = first.kind === 'identifier' ? first.value : undefined;
      if (keyword !== undefined && stops.includes(keyword)) return { nodes, stop: item.tokens };
      if (keyword === 'end' || keyword === 'else')
        throw new TemplateError(file, item.line, `unexpected "{{ ${keyword} }}" without an open if/range/with`);
      if (keyword !== undefined && UNSUPPORTED_KEYWORDS.has(keyword)) {
        throw new TemplateError(file, item.line, `"{{ ${keyword} }}" is not supported`);
      }
      if (keyword === 'if' || keyword === 'with') nodes.push(parseConditional(keyword, rest, item.line));
      else if (keyword === 'range') nodes.push(parseRange(rest, item.line));
      else nodes.push({ kind: 'action', pipeline: parsePipeline(item.tokens, item.line) });
    }
    if (opener) throw new TemplateError(file, opener.line, `"{{ ${opener.keyword} }}" has no matching "{{ end }}"`);
    return { nodes };
  }

  function parseConditional(keyword: 'if' | 'with', tokens: Token[], line: number): Node {
    const branches: Array<{ pipeline: Pipeline; body: Node[] }> = [];
    let pipeline = parsePipeline(tokens, line, keyword);
    for (;;) {
      const { nodes, stop } = parseList(['else', 'end'], { keyword, line });
      branches.push({ pipeline, body: nodes });
      const [, next, ...more] = stop!;
      if (stop![0]!.value === 'end') {
        if (next) throw new TemplateError(file, next.line, 'unexpected tokens after "end"');
        return { kind: keyword, branches, elseBody: undefined };
      }
      // `else if …` / `else with …` chains; a plain `else` ends the chain.
      if (next && next.kind === 'identifier' && next.value === keyword) {
        pipeline = parsePipeline(more, next.line, keyword);
        continue;
      }
      if (next) throw new TemplateError(file, next.line, `"else ${next.value}" is not supported inside "${keyword}"`);
      const tail = parseList(['end'], { keyword, line });
      return { kind: keyword, branches, elseBody: tail.nodes };
    }
  }

  function parseRange(tokens: Token[], line: number): Node {
    if (tokens.some((t) => t.kind === 'declare' || t.kind === 'comma')) {
      throw new TemplateError(
        file,
        line,
        'variables in range ("range $i, $e := …") are not supported; use "." inside the range',
      );
    }
    const pipeline = parsePipeline(tokens, line, 'range');
    const { nodes, stop } = parseList(['else', 'end'], { keyword: 'range', line });
    if (stop![0]!.value === 'end') return { kind: 'range', pipeline, body: nodes, elseBody: undefined };
    if (stop!.length > 1)
      throw new TemplateError(file, stop![1]!.line, `"else ${stop![1]!.value}" is not supported inside "range"`);
    const tail = parseList(['end'], { keyword: 'range', line });
    return { kind: 'range', pipeline, body: nodes, elseBody: tail.nodes };
  }

  function parsePipeline(tokens: Token[], line: number, context?: string): Pipeline {
    if (tokens.length === 0) throw new TemplateError(file, line, `missing value for ${context ?? 'command'}`);
    const declare = tokens.find((t) => t.kind === 'declare' || t.kind === 'assign');
    if (declare)
      throw new TemplateError(file, declare.line, 'variable declarations and assignments ($x := …) are not supported');
    let pos = 0;
    const pipeline = readPipeline();
    if (pos < tokens.length)
      throw new TemplateError(file, tokens[pos]!.line, `unexpected ${JSON.stringify(tokens[pos]!.value)}`);
    return pipeline;

    function readPipeline(): Pipeline {
      const commands: Command[] = [];
      const start = tokens[pos]?.line ?? line;
      for (;;) {
        const operands: Operand[] = [];
        const cmdLine = tokens[pos]?.line ?? line;
        while (pos < tokens.length && tokens[pos]!.kind !== 'pipe' && tokens[pos]!.kind !== 'rparen')
          operands.push(readOperand());
        if (operands.length === 0) throw new TemplateError(file, cmdLine, 'missing command in pipeline');
        commands.push({ operands, line: cmdLine });
        if (tokens[pos]?.kind !== 'pipe') break;
        pos += 1;
      }
      return { commands, line: start };
    }

    function readOperand(): Operand {
      const token = tokens[pos++]!;
      switch (token.kind) {
        case 'field':
          return { kind: 'field', path: token.value.split('.'), line: token.line };
        case 'dot':
          return { kind: 'dot', line: token.line };
        case 'variable': {
          const [name, ...path] = token.value.split('.');
          if (name !== '$')
            throw new TemplateError(file, token.line, `variable ${name} is not supported (only "$", the root data)`);
          return { kind: 'root', path, line: token.line };
        }
        case 'string':
          return { kind: 'string', value: token.value, line: token.line };
        case 'number':
          return { kind: 'number', value: parseNumber(token), line: token.line };
        case 'identifier':
          if (token.value === 'true' || token.value === 'false')
            return { kind: 'bool', value: token.value === 'true', line: token.line };
          if (token.value === 'nil') return { kind: 'nil', line: token.line };
          if (['if', 'else', 'end', 'range', 'with', ...UNSUPPORTED_KEYWORDS].includes(token.value)) {
            throw new TemplateError(file, token.line, `unexpected keyword "${token.value}" inside a pipeline`);
          }
          return { kind: 'function', name: token.value, line: token.line };
        case 'lparen': {
          const inner = readPipeline();
          if (tokens[pos]?.kind !== 'rparen') throw new TemplateError(file, token.line, 'unclosed "("');
          pos += 1;
          // `(…).Field` reads a field of the parenthesized result.
          const next = tokens[pos];
          let path: string[] = [];
          if (next?.kind === 'field' && !next.spaced) {
            path = next.value.split('.');
            pos += 1;
          }
          return { kind: 'pipeline', pipeline: inner, path, line: token.line };
        }
        default:
          throw new TemplateError(file, token.line, `unexpected ${JSON.stringify(token.value)}`);
      }
    }
  }

  function parseNumber(token: Token): number {
    const text = token.value.replace(/_/g, '');
    const value = /^[+-]?0[xX]/.test(text) ? parseInt(text, 16) : Number(text);
    if (!Number.isFinite(value))
      throw new TemplateError(file, token.line, `bad number syntax ${JSON.stringify(token.value)}`);
    return value;
  }

  return parseList([]).nodes;
}
