/**
 * Content rules for strings, shared by every field check: well-formed Unicode (a lone
 * surrogate has no UTF-8 form, so protobuf cannot carry it and PostgreSQL jsonb refuses it),
 * no control characters (U+0000 is refused by jsonb and truncates C strings; the others corrupt
 * logs, terminals and node conditions), and a byte limit.
 */

/** C0 controls, DEL and C1 controls (Unicode category Cc). */
const CONTROL = /\p{Cc}/u;
/** The same, except tab, line feed and carriage return, which free text may contain. */
const CONTROL_EXCEPT_WHITESPACE = /(?![\t\n\r])\p{Cc}/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Characters shown escaped in messages so a quoted value is unambiguous (controls, bidi and zero-width marks). */
// With the u flag, [\ud800-\udfff] matches only lone surrogates, not halves of a pair.
const SHOWN_ESCAPED = /[\p{Cc}\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]/gu;
const SHOWN_CHARACTERS = 48;

const NOT_PRINTABLE_ASCII = /[^\u0020-\u007e]/;

export type TextKind = 'name' | 'text';

/**
 * UTF-8 length of `text` (a lone surrogate counts as the 3 bytes of its U+FFFD replacement).
 * Stops counting once past `stopAfter`, so a 1 MB value costs no more than a short one.
 */
export function utf8ByteLength(text: string, stopAfter = Infinity): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= stopAfter; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** `U+0007` style name of the UTF-16 code unit at `index`. */
function codeUnit(text: string, index: number): string {
  return `U+${text.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A value as shown in an error message: double-quoted, at most 48 characters (then `…`), with
 * control, bidi and zero-width characters and lone surrogates escaped as \uXXXX, so what the
 * user reads is what was sent, and a 1 MB value does not make a 1 MB message.
 */
export function quoteValue(text: string): string {
  const chars = Array.from(text.length > SHOWN_CHARACTERS * 2 ? text.slice(0, SHOWN_CHARACTERS * 2) : text);
  const shown = chars.length > SHOWN_CHARACTERS ? chars.slice(0, SHOWN_CHARACTERS).join('') : chars.join('');
  const escaped = shown
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replace(SHOWN_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"${shown.length < text.length ? '…' : ''}`;
}

/**
 * The first content problem of `text`, or undefined: a lone surrogate, a control character
 * (tab/LF/CR are allowed in `text` kind), or more than `maxBytes` UTF-8 bytes.
 */
export function textProblem(text: string, kind: TextKind, maxBytes: number): string | undefined {
  // Fast path for the usual value, printable ASCII: nothing to find, bytes = length.
  if (!NOT_PRINTABLE_ASCII.test(text)) {
    return text.length > maxBytes
      ? `${quoteValue(text)} is ${text.length} bytes long; at most ${maxBytes} bytes (UTF-8) are allowed`
      : undefined;
  }
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) {
    return (
      `contains a lone surrogate (${codeUnit(text, surrogate.index)}) at index ${surrogate.index}; ` +
      'strings must be well-formed Unicode (valid UTF-8 on the wire)'
    );
  }
  const control = (kind === 'text' ? CONTROL_EXCEPT_WHITESPACE : CONTROL).exec(text);
  if (control) {
    const allowed = kind === 'text' ? ' (only tab, line feed and carriage return are allowed)' : '';
    return (
      `contains control character ${codeUnit(text, control.index)} at index ${control.index}; ` +
      `control characters are not allowed${allowed}`
    );
  }
  const bytes = utf8ByteLength(text, maxBytes);
  if (bytes > maxBytes) {
    return `${quoteValue(text)} is ${utf8ByteLength(text)} bytes long; at most ${maxBytes} bytes (UTF-8) are allowed`;
  }
  return undefined;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The problem with `name` as a Kubernetes node name, or undefined. Kubernetes validates node
 * names as RFC 1123 subdomains (k8s.io/apimachinery IsDNS1123Subdomain); a name it would refuse
 * can never match a node, so an event about it could never be acted on.
 */
export function nodeNameProblem(name: string, maxBytes: number, maxLabelBytes: number): string | undefined {
  const bytes = utf8ByteLength(name, maxBytes);
  if (bytes > maxBytes) {
    return `${quoteValue(name)} is ${utf8ByteLength(name)} bytes long; a Kubernetes node name is at most ${maxBytes} characters`;
  }
  if (DNS1123_SUBDOMAIN.test(name) && name.length <= maxLabelBytes) return undefined;
  const labels = name.split('.');
  if (!labels.every((label) => DNS1123_LABEL.test(label))) {
    return (
      `${quoteValue(name)} is not a valid Kubernetes node name (RFC 1123 subdomain: lowercase letters, digits, ` +
      `'-' and '.'); each dot-separated part must start and end with a letter or digit`
    );
  }
  const long = labels.find((label) => label.length > maxLabelBytes);
  if (long !== undefined) {
    return (
      `${quoteValue(name)} is not a valid Kubernetes node name: its part ${quoteValue(long)} is ${long.length} ` +
      `characters long; each dot-separated part is at most ${maxLabelBytes}`
    );
  }
  return undefined;
}

/** `'value'` for a short plain value (the usual case, kept readable), else quoteValue(value). */
export function quoteShort(text: string): string {
  SHOWN_ESCAPED.lastIndex = 0;
  const plain = text.length <= SHOWN_CHARACTERS && !SHOWN_ESCAPED.test(text) && !text.includes("'");
  SHOWN_ESCAPED.lastIndex = 0;
  return plain ? `'${text}'` : quoteValue(text);
}

/** A property name as a path segment: `parent.key` for plain keys, `parent["…"]` for anything else. */
export function keyPath(path: string, key: string): string {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${quoteValue(key)}]`;
}
