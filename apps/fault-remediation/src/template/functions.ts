/**
 * The functions a maintenance template may call: Go text/template's built-ins that upstream's
 * templates and docs use, plus the few sprig helpers Helm users reach for (`lower`, `upper`,
 * `quote`, `default`, `trim`). Any other name is an error at parse time of the first render.
 */
import { GoEnum, comparable, printValue, truth, typeName } from './values.js';

export class FunctionError extends Error {}

export type TemplateFunction = (args: unknown[]) => unknown;

const arity = (name: string, args: unknown[], min: number, max = min): void => {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new FunctionError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
  }
};

const str = (name: string, value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value instanceof GoEnum) return value.name;
  if (value === undefined || value === null) return '';
  return printValue(value);
};

/** Go's %q: a double-quoted string with Go escapes (JSON's escapes agree for printable text). */
const goQuote = (value: string): string => JSON.stringify(value);

/** fmt.Sprint: spaces between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(arg);
  });
  return out;
}

/** fmt.Sprintf for the verbs templates use: %s %v %d %q %t %x %%. */
function sprintf(format: string, args: unknown[]): string {
  let argIndex = 0;
  const out = format.replace(
    /%([-+# 0]*)(\d+)?([a-zA-Z%])/g,
    (_match, flags: string, width: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (argIndex >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[argIndex++];
      let text: string;
      switch (verb) {
        case 's':
        case 'v':
          text = printValue(arg);
          break;
        case 'd':
          text =
            typeof comparable(arg) === 'number'
              ? String(Math.trunc(comparable(arg) as number))
              : `%!d(${typeName(arg)}=${printValue(arg)})`;
          break;
        case 'q':
          text = goQuote(printValue(arg));
          break;
        case 't':
          text = typeof arg === 'boolean' ? String(arg) : `%!t(${typeName(arg)}=${printValue(arg)})`;
          break;
        case 'x':
          text = typeof arg === 'number' ? arg.toString(16) : Buffer.from(printValue(arg)).toString('hex');
          break;
        default:
          throw new FunctionError(`printf verb %${verb} is not supported (use %s, %v, %d, %q, %t or %x)`);
      }
      if (width) {
        const n = Number(width);
        text = flags.includes('-') ? text.padEnd(n) : text.padStart(n, flags.includes('0') && verb === 'd' ? '0' : ' ');
      }
      return text;
    },
  );
  const extra = args.slice(argIndex);
  return extra.length ? `${out}%!(EXTRA ${extra.map((a) => `${typeName(a)}=${printValue(a)}`).join(', ')})` : out;
}

function length(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map) return value.size;
  throw new FunctionError(`len of type ${typeName(value)}`);
}

function index(args: unknown[]): unknown {
  let value = args[0];
  for (const key of args.slice(1)) {
    if (Array.isArray(value)) {
      if (typeof key !== 'number' || !Number.isInteger(key))
        throw new FunctionError(`cannot index slice with ${typeName(key)}`);
      if (key < 0 || key >= value.length) throw new FunctionError(`index out of range: ${key}`);
      value = value[key];
    } else if (value instanceof Map) {
      value = value.get(key);
    } else if (value === undefined || value === null) {
      throw new FunctionError('index of untyped nil');
    } else {
      throw new FunctionError(`can't index item of type ${typeName(value)}`);
    }
  }
  return value;
}

function equal(a: unknown, b: unknown): boolean {
  const x = comparable(a);
  const y = comparable(b);
  if (typeof x === 'object' && x !== null) throw new FunctionError(`incompatible types for comparison: ${typeName(a)}`);
  if (typeof y === 'object' && y !== null) throw new FunctionError(`incompatible types for comparison: ${typeName(b)}`);
  if (x !== undefined && y !== undefined && x !== null && y !== null && typeof x !== typeof y) {
    throw new FunctionError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);
  }
  return x === y;
}

function order(name: string, args: unknown[], test: (c: number) => boolean): boolean {
  arity(name, args, 2);
  const [x, y] = args.map(comparable);
  if (typeof x !== typeof y || (typeof x !== 'number' && typeof x !== 'string')) {
    throw new FunctionError(`incompatible types for comparison: ${typeName(args[0])} and ${typeName(args[1])}`);
  }
  return test((x as number | string) < (y as number | string) ? -1 : x === y ? 0 : 1);
}

export const FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  printf: (args) => {
    arity('printf', args, 1, Infinity);
    if (typeof args[0] !== 'string')
      throw new FunctionError(`printf format must be a string, got ${typeName(args[0])}`);
    return sprintf(args[0], args.slice(1));
  },
  print: (args) => sprint(args),
  println: (args) => `${args.map(printValue).join(' ')}\n`,
  len: (args) => (arity('len', args, 1), length(args[0])),
  index: (args) => (arity('index', args, 1, Infinity), index(args)),
  not: (args) => (arity('not', args, 1), !truth(args[0])),
  and: (args) => {
    arity('and', args, 1, Infinity);
    for (const arg of args) if (!truth(arg)) return arg;
    return args[args.length - 1];
  },
  or: (args) => {
    arity('or', args, 1, Infinity);
    for (const arg of args) if (truth(arg)) return arg;
    return args[args.length - 1];
  },
  eq: (args) => {
    arity('eq', args, 2, Infinity);
    return args.slice(1).some((other) => equal(args[0], other));
  },
  ne: (args) => (arity('ne', args, 2), !equal(args[0], args[1])),
  lt: (args) => order('lt', args, (c) => c < 0),
  le: (args) => order('le', args, (c) => c <= 0),
  gt: (args) => order('gt', args, (c) => c > 0),
  ge: (args) => order('ge', args, (c) => c >= 0),
  // sprig
  lower: (args) => (arity('lower', args, 1), str('lower', args[0]).toLowerCase()),
  upper: (args) => (arity('upper', args, 1), str('upper', args[0]).toUpperCase()),
  trim: (args) => (arity('trim', args, 1), str('trim', args[0]).trim()),
  quote: (args) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => goQuote(str('quote', a)))
      .join(' '),
  squote: (args) =>
    args
      .filter((a) => a !== undefined && a !== null)
      .map((a) => `'${str('squote', a)}'`)
      .join(' '),
  default: (args) => (arity('default', args, 1, 2), args.length === 2 && truth(args[1]) ? args[1] : args[0]),
};
