/**
 * Lexer for the subset of Go text/template that maintenance templates use. It turns a template
 * into text pieces and actions (`{{ … }}`), applies the `{{-` / `-}}` trim markers to the text
 * beside them, drops comments, and splits each action into tokens. Anything it does not know is
 * an error naming the file and line, so a template never renders differently from Go silently.
 */
import { TemplateError } from '../errors.js';

type TokenKind =
  | 'field' // .A.B → value "A.B"
  | 'dot' // .
  | 'variable' // $ or $x
  | 'identifier' // function name or keyword
  | 'string'
  | 'number'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare' // :=
  | 'assign' // =
  | 'comma';

export interface Token {
  kind: TokenKind;
  value: string;
  line: number;
  /** White space came right before it (`(x) .F` is two operands, `(x).F` one). */
  spaced: boolean;
}

export type Item = { kind: 'text'; text: string; line: number } | { kind: 'action'; tokens: Token[]; line: number };

const LEFT = '{{';
const RIGHT = '}}';
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** Splits `source` into text and action items (comments removed, trim markers applied). */
export function lex(file: string, source: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let line = 1;
  let trimNextText = false;
  const lineAt = (from: number, to: number): number => line + countNewlines(source.slice(from, to));

  while (pos < source.length) {
    const open = source.indexOf(LEFT, pos);
    const textEnd = open === -1 ? source.length : open;
    let text = source.slice(pos, textEnd);
    const textLine = line;
    line = lineAt(pos, textEnd);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    trimNextText = false;
    if (open === -1) {
      if (text) items.push({ kind: 'text', text, line: textLine });
      break;
    }
    // `{{- ` trims the text before it; the dash must be followed by white space (else `{{-3}}` is a number).
    let start = open + LEFT.length;
    if (source[start] === '-' && isSpace(source[start + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    if (text) items.push({ kind: 'text', text, line: textLine });

    const close = findActionEnd(file, source, start, line);
    let end = close;
    if (source[close - 1] === '-' && isSpace(source[close - 2])) {
      trimNextText = true;
      end = close - 1;
    }
    const body = source.slice(start, end);
    const actionLine = line;
    if (body.trim().startsWith('/*')) {
      const trimmed = body.trim();
      if (!trimmed.endsWith('*/'))
        throw new TemplateError(file, actionLine, 'comment must end with "*/" right before "}}"');
    } else {
      items.push({ kind: 'action', tokens: tokenize(file, body, actionLine), line: actionLine });
    }
    line = lineAt(open, close + RIGHT.length);
    pos = close + RIGHT.length;
  }
  return items;
}

/** Index of the `}}` closing the action that starts at `from`, skipping quoted strings and comments. */
function findActionEnd(file: string, source: string, from: number, line: number): number {
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) throw new TemplateError(file, line, 'unclosed comment');
      i = end + 2;
      continue;
    }
    if (c === '"' || c === '`') {
      i = skipQuoted(file, source, i, line);
      continue;
    }
    if (source.startsWith(RIGHT, i)) return i;
    i += 1;
  }
  throw new TemplateError(file, line, 'unclosed action: "{{" without a matching "}}"');
}

function skipQuoted(file: string, source: string, at: number, line: number): number {
  const quote = source[at];
  let i = at + 1;
  while (i < source.length) {
    const c = source[i];
    if (quote === '"' && c === '\\') {
      i += 2;
      continue;
    }
    if (quote === '"' && c === '\n') break;
    if (c === quote) return i + 1;
    i += 1;
  }
  throw new TemplateError(file, line, `unterminated ${quote === '"' ? 'quoted string' : 'raw string'}`);
}

function tokenize(file: string, body: string, startLine: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = startLine;
  let spaced = false;
  const push = (kind: TokenKind, value: string) => {
    tokens.push({ kind, value, line, spaced });
    spaced = false;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (isSpace(c)) {
      if (c === '\n') line += 1;
      spaced = true;
      i += 1;
      continue;
    }
    if (c === '|') {
      push('pipe', c);
      i += 1;
    } else if (c === '(') {
      push('lparen', c);
      i += 1;
    } else if (c === ')') {
      push('rparen', c);
      i += 1;
    } else if (c === ',') {
      push('comma', c);
      i += 1;
    } else if (body.startsWith(':=', i)) {
      push('declare', ':=');
      i += 2;
    } else if (c === '=') {
      push('assign', '=');
      i += 1;
    } else if (c === '"' || c === '`') {
      const end = skipQuoted(file, body, i, line);
      push('string', unquote(file, body.slice(i, end), line));
      i = end;
    } else if (c === '.' && !/[0-9]/.test(body[i + 1] ?? '')) {
      let j = i;
      const parts: string[] = [];
      while (body[j] === '.' && isAlnum(body[j + 1])) {
        let k = j + 1;
        while (isAlnum(body[k])) k += 1;
        parts.push(body.slice(j + 1, k));
        j = k;
      }
      if (parts.length === 0) {
        push('dot', '.');
        i += 1;
      } else {
        push('field', parts.join('.'));
        i = j;
      }
    } else if (c === '$') {
      let j = i + 1;
      while (isAlnum(body[j])) j += 1;
      let name = body.slice(i, j);
      // `$.A.B` is a field chain on the root data.
      while (body[j] === '.' && isAlnum(body[j + 1])) {
        let k = j + 1;
        while (isAlnum(body[k])) k += 1;
        name += body.slice(j, k);
        j = k;
      }
      push('variable', name);
      i = j;
    } else if (/[0-9+\-.]/.test(c)) {
      const match = /^[+-]?(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+([eE][+-]?[0-9]+)?)/.exec(body.slice(i));
      if (!match || match[0] === '' || match[0] === '-' || match[0] === '+') {
        throw new TemplateError(file, line, `unexpected character ${JSON.stringify(c)} in action`);
      }
      push('number', match[0]);
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (isAlnum(body[j])) j += 1;
      push('identifier', body.slice(i, j));
      i = j;
    } else if (c === "'") {
      throw new TemplateError(file, line, "character constants ('x') are not supported; use a quoted string");
    } else {
      throw new TemplateError(file, line, `unexpected character ${JSON.stringify(c)} in action`);
    }
  }
  return tokens;
}

/** Go string literal → value: raw strings as they are, quoted strings with Go's escapes. */
function unquote(file: string, literal: string, line: number): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  const inner = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = inner[i + 1];
    i += 1;
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
    };
    if (next !== undefined && next in simple) {
      out += simple[next];
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const len = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = inner.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len)
        throw new TemplateError(file, line, `bad escape \\${next}${hex} in string`);
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else {
      throw new TemplateError(file, line, `unknown escape \\${next ?? ''} in string`);
    }
  }
  return out;
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === '\n') n += 1;
  return n;
}
