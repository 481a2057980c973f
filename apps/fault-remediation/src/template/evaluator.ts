/**
 * Evaluator: walks the parsed tree with Go text/template's rules — `.` is the current value,
 * `$` the root data, `if`/`with` use Go truth, `with` and `range` move `.`, a pipeline's value
 * is passed as the last argument of the next command, a missing map key is `<no value>`, and a
 * field a struct does not have is an error.
 */
import { FUNCTIONS, FunctionError } from './functions.js';
import type { Command, Node, Operand, Pipeline } from './parser.js';
import { GoStruct, printValue, truth, typeName } from './values.js';

export class EvalError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const NONE = Symbol('no pipeline value');

export function evaluate(nodes: readonly Node[], data: unknown): string {
  const out: string[] = [];
  walk(nodes, data, data, out);
  return out.join('');
}

function walk(nodes: readonly Node[], dot: unknown, root: unknown, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        break;
      case 'action':
        out.push(printValue(evalPipeline(node.pipeline, dot, root)));
        break;
      case 'if':
      case 'with': {
        let taken = false;
        for (const branch of node.branches) {
          const value = evalPipeline(branch.pipeline, dot, root);
          if (truth(value)) {
            walk(branch.body, node.kind === 'with' ? value : dot, root, out);
            taken = true;
            break;
          }
        }
        if (!taken && node.elseBody) walk(node.elseBody, dot, root, out);
        break;
      }
      case 'range': {
        const value = evalPipeline(node.pipeline, dot, root);
        const elements = rangeElements(value, node.pipeline.line);
        if (elements.length === 0) {
          if (node.elseBody) walk(node.elseBody, dot, root, out);
        } else {
          for (const element of elements) walk(node.body, element, root, out);
        }
        break;
      }
    }
  }
}

function rangeElements(value: unknown, line: number): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  // Go ranges over a map in sorted key order.
  if (value instanceof Map) return [...value.keys()].sort().map((k) => value.get(k));
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0)
    return Array.from({ length: value }, (_, i) => i);
  throw new EvalError(line, `range can't iterate over ${printValue(value)} (${typeName(value)})`);
}

function evalPipeline(pipeline: Pipeline, dot: unknown, root: unknown): unknown {
  let value: unknown = NONE;
  for (const command of pipeline.commands) value = evalCommand(command, dot, root, value);
  return value === NONE ? undefined : value;
}

function evalCommand(command: Command, dot: unknown, root: unknown, piped: unknown): unknown {
  const [first, ...rest] = command.operands;
  if (first!.kind === 'function') {
    const fn = FUNCTIONS[first!.name];
    if (!fn) throw new EvalError(first!.line, `function "${first!.name}" not defined`);
    const args = rest.map((operand) => evalOperand(operand, dot, root));
    if (piped !== NONE) args.push(piped);
    try {
      return fn(args);
    } catch (err) {
      if (err instanceof FunctionError)
        throw new EvalError(first!.line, `error calling ${first!.name}: ${err.message}`);
      throw err;
    }
  }
  if (rest.length > 0 || piped !== NONE) {
    throw new EvalError(command.line, `can't give argument to non-function ${describe(first!)}`);
  }
  return evalOperand(first!, dot, root);
}

function evalOperand(operand: Operand, dot: unknown, root: unknown): unknown {
  switch (operand.kind) {
    case 'dot':
      return dot;
    case 'field':
      return readPath(dot, operand.path, operand.line, '');
    case 'root':
      return readPath(root, operand.path, operand.line, '$');
    case 'string':
    case 'number':
    case 'bool':
      return operand.value;
    case 'nil':
      throw new EvalError(operand.line, 'nil is not a command');
    case 'pipeline':
      return readPath(evalPipeline(operand.pipeline, dot, root), operand.path, operand.line, '(…)');
    case 'function': {
      // A function name used as an argument is called without arguments, as in Go.
      const fn = FUNCTIONS[operand.name];
      if (!fn) throw new EvalError(operand.line, `function "${operand.name}" not defined`);
      try {
        return fn([]);
      } catch (err) {
        if (err instanceof FunctionError)
          throw new EvalError(operand.line, `error calling ${operand.name}: ${err.message}`);
        throw err;
      }
    }
  }
}

function readPath(start: unknown, path: readonly string[], line: number, prefix: string): unknown {
  let value = start;
  path.forEach((name, i) => {
    const where = `${prefix}.${path.slice(0, i + 1).join('.')}`;
    if (value instanceof GoStruct) {
      if (!value.has(name))
        throw new EvalError(line, `can't evaluate field ${name} in type ${value.typeName} (at <${where}>)`);
      value = value.fields[name];
    } else if (value instanceof Map) {
      value = value.get(name);
    } else if (value === undefined || value === null) {
      throw new EvalError(line, `nil pointer evaluating ${typeName(value)}.${name} (at <${where}>)`);
    } else {
      throw new EvalError(line, `can't evaluate field ${name} in type ${typeName(value)} (at <${where}>)`);
    }
  });
  return value;
}

function describe(operand: Operand): string {
  switch (operand.kind) {
    case 'field':
      return `.${operand.path.join('.')}`;
    case 'root':
      return `$${operand.path.length ? `.${operand.path.join('.')}` : ''}`;
    case 'dot':
      return '.';
    case 'string':
      return JSON.stringify(operand.value);
    case 'number':
    case 'bool':
      return String(operand.value);
    default:
      return operand.kind;
  }
}
