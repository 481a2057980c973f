import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Through the package name on purpose: this is how other packages import it (exports map).
import {
  healthEventDocumentArbitrary,
  maintenanceEventDocumentArbitrary,
  textArbitrary,
} from '@nvsentinel/health-model/testing';
import { metadataPath, spanIdPath } from '../document/paths.js';

/** No unpaired UTF-16 surrogates (String.prototype.isWellFormed is ES2024, beyond our lib setting). */
function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Every string (keys and values) anywhere inside a JSON-like value. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  }
  return [];
}

describe('arbitraries (guarantees other packages rely on)', () => {
  it('generate only strings PostgreSQL jsonb can store: well-formed Unicode without U+0000', () => {
    fc.assert(
      fc.property(
        textArbitrary,
        healthEventDocumentArbitrary(),
        maintenanceEventDocumentArbitrary(),
        (text, doc, maint) => {
          for (const s of [text, ...stringsIn(doc), ...stringsIn(maint)]) {
            expect(s.includes('\u0000')).toBe(false);
            expect(isWellFormed(s)).toBe(true);
          }
        },
      ),
    );
  });

  it('generate map keys that are safe dotted-path segments', () => {
    fc.assert(
      fc.property(healthEventDocumentArbitrary(), (doc) => {
        for (const key of Object.keys(doc.healthevent.metadata)) expect(() => metadataPath(key)).not.toThrow();
        for (const key of Object.keys(doc.healtheventstatus.spanids)) expect(() => spanIdPath(key)).not.toThrow();
      }),
    );
  });

  it('honour the options that pin fields', () => {
    fc.assert(
      fc.property(
        healthEventDocumentArbitrary({ nodeName: fc.constant('node-x'), isFatal: fc.constant(true) }),
        (doc) => {
          expect(doc.healthevent.nodename).toBe('node-x');
          expect(doc.healthevent.isfatal).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });
});
