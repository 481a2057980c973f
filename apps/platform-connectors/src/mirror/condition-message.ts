/**
 * Upstream's node-condition message format, so dashboards, runbooks and the consumers that
 * parse it keep working:
 *
 *   entry   = "ErrorCode:<c> "… "<entityType>:<entityValue> "… "<message with ; → .> " "Recommended Action=<ENUM>"
 *   message = entry ";" entry ";" … ";"            (or "No Health Failures" when empty)
 *
 * A message longer than the cap (1024 bytes) first loses identity-duplicate entries, then each
 * entry's free text is compacted to 72 bytes (keeping codes, entities and the action, which
 * recovery matching needs), and what still does not fit is cut with a trailing "...".
 * Lengths are UTF-8 bytes like upstream's; cuts never split a character.
 */
import { recommendedActionName, type HealthEvent } from '@nvsentinel/health-model';

export const NO_HEALTH_FAILURES = 'No Health Failures';
export const TRUNCATION_SUFFIX = '...';
export const RECOMMENDED_ACTION_MARKER = 'Recommended Action=';
export const DEFAULT_MAX_CONDITION_MESSAGE_BYTES = 1024;
export const DEFAULT_COMPACTED_ENTRY_BYTES = 72;

/** One event's entry, without the `;` separator. */
export function messageEntry(event: HealthEvent): string {
  let entry = '';
  for (const code of event.errorCode) entry += `ErrorCode:${code} `;
  for (const entity of event.entitiesImpacted) entry += `${entity.entityType}:${entity.entityValue} `;
  if (event.message !== '') entry += `${event.message.replaceAll(';', '.')} `;
  return `${entry}${RECOMMENDED_ACTION_MARKER}${recommendedActionName(event.recommendedAction) ?? String(event.recommendedAction)}`;
}

/** The full message of a single event (`entry;`), as written on node Events. */
export function eventMessage(event: HealthEvent): string {
  return `${messageEntry(event)};`;
}

/** The entries of a stored condition message. */
export function parseEntries(message: string | undefined): string[] {
  if (!message || message === NO_HEALTH_FAILURES) return [];
  return message.split(';').filter((part) => part !== '' && part !== TRUNCATION_SUFFIX);
}

/**
 * Applies events (in time order) to a condition's entries: a fault adds its entry if absent; a
 * recovery naming entities removes the entries mentioning any of them; a recovery without
 * entities clears everything.
 */
export function applyEvents(entries: readonly string[], events: readonly HealthEvent[]): string[] {
  let result = [...entries];
  for (const event of events) {
    if (!event.isHealthy) {
      const entry = messageEntry(event);
      if (!result.includes(entry)) result.push(entry);
    } else if (event.entitiesImpacted.length > 0) {
      const tokens = event.entitiesImpacted.map((e) => `${e.entityType}:${e.entityValue} `);
      result = result.filter((entry) => !tokens.some((token) => entry.includes(token)));
    } else {
      result = [];
    }
  }
  return result;
}

export interface RenderOptions {
  maxBytes?: number;
  compactedEntryBytes?: number;
}

export interface RenderedMessage {
  message: string;
  truncated: boolean;
}

/** Joins entries into the condition message within the byte cap (see the module comment). */
export function renderMessage(entries: readonly string[], options: RenderOptions = {}): RenderedMessage {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CONDITION_MESSAGE_BYTES;
  const compactBytes = options.compactedEntryBytes ?? DEFAULT_COMPACTED_ENTRY_BYTES;
  let list = [...entries];
  if (joinedBytes(list) > maxBytes) {
    list = dropIdentityDuplicates(list).map((entry) => compactEntry(entry, compactBytes));
  }
  let result = '';
  let resultBytes = 0;
  let truncated = false;
  for (let i = 0; i < list.length; i++) {
    const separator = i > 0 ? ';' : '';
    const entry = list[i]!;
    const entryBytes = bytes(entry);
    // +1: the trailing ';' always written after the loop.
    if (resultBytes + separator.length + entryBytes + 1 > maxBytes) {
      const available = maxBytes - resultBytes - separator.length - 1 - TRUNCATION_SUFFIX.length;
      if (available > 0) result += separator + cutBytes(entry, available);
      truncated = true;
      break;
    }
    result += separator + entry;
    resultBytes += separator.length + entryBytes;
  }
  result += ';';
  if (truncated) result += TRUNCATION_SUFFIX;
  return { message: result, truncated };
}

/** Keeps the free text before "Recommended Action=" within `maxBytes`, marking the cut with "...". */
export function compactEntry(entry: string, maxBytes: number): string {
  const at = entry.lastIndexOf(RECOMMENDED_ACTION_MARKER);
  if (at < 0) return entry;
  const before = entry.slice(0, at).trimEnd();
  if (bytes(before) <= maxBytes) return entry;
  return `${cutBytes(before, maxBytes)}${TRUNCATION_SUFFIX} ${entry.slice(at)}`;
}

interface Identity {
  codes: string[];
  entities: string[];
  action: string;
}

function identityOf(entry: string): Identity {
  const at = entry.lastIndexOf(RECOMMENDED_ACTION_MARKER);
  const action = at >= 0 ? entry.slice(at).trimEnd() : '';
  const prefix = at >= 0 ? entry.slice(0, at) : entry;
  const codes: string[] = [];
  const entities: string[] = [];
  for (const token of prefix.split(/\s+/)) {
    if (token.startsWith('ErrorCode:')) codes.push(token);
    else if (token.startsWith('GPU:') || token.startsWith('PCI:')) entities.push(token);
  }
  return { codes, entities, action };
}

/** Same fault: same codes and action, and at least one shared GPU/PCI entity. */
function sameFault(a: Identity, b: Identity): boolean {
  if (a.action !== b.action || a.codes.length !== b.codes.length || a.codes.some((c, i) => c !== b.codes[i]))
    return false;
  return a.entities.some((e) => b.entities.includes(e));
}

/** Removes entries that a later entry repeats (the freshest occurrence is kept). */
function dropIdentityDuplicates(entries: readonly string[]): string[] {
  const identities = entries.map(identityOf);
  return entries.filter((_, i) => !identities.slice(i + 1).some((later) => sameFault(identities[i]!, later)));
}

function joinedBytes(entries: readonly string[]): number {
  if (entries.length === 0) return 1;
  return entries.reduce((sum, e) => sum + bytes(e), 0) + entries.length - 1 + 1;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` that fits in `maxBytes` UTF-8 bytes without splitting a character. */
export function cutBytes(text: string, maxBytes: number): string {
  if (bytes(text) <= maxBytes) return text;
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = bytes(char);
    if (used + size > maxBytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}
