/**
 * Namespace patterns in `[[userNamespaces]] name` use shell-glob syntax (upstream matches them
 * with Go's filepath.Match): `*` any run of characters, `?` one character, `[abc]`/`[a-z]`/`[^a]`
 * a character class, `\` escapes. Namespace names contain no `/`, so path separators never matter.
 */

/** Compiles a glob to an anchored RegExp; throws a RangeError naming the pattern when malformed. */
export function compileNamespaceGlob(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '\\') {
      const next = pattern[++i];
      if (next === undefined)
        throw new RangeError(`namespace pattern '${pattern}' ends with a lone '\\'; escape it as '\\\\'`);
      source += escapeRegExp(next);
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1)
        throw new RangeError(`namespace pattern '${pattern}' has an unclosed '['; close the character class with ']'`);
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith('^') || body.startsWith('!');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = close;
    } else source += escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** True when the pattern has glob metacharacters (an exact name beats any glob when both match). */
export function isGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}
