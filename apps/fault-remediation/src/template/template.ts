/**
 * A compiled maintenance template: `compileTemplate(file, text)` lexes and parses once (errors
 * name the file, line and construct) and checks every function name, so a bad template fails at
 * start-up; `render(data)` executes it with Go text/template semantics.
 */
import { TemplateError } from '../errors.js';
import { EvalError, evaluate } from './evaluator.js';
import { FUNCTIONS } from './functions.js';
import { lex } from './lexer.js';
import { type Node, type Pipeline, parse } from './parser.js';

export interface CompiledTemplate {
  readonly file: string;
  render(data: unknown): string;
}

export function compileTemplate(file: string, text: string): CompiledTemplate {
  const nodes = parse(file, lex(file, text));
  checkFunctions(file, nodes);
  return {
    file,
    render(data) {
      try {
        return evaluate(nodes, data);
      } catch (err) {
        if (err instanceof EvalError) throw new TemplateError(file, err.line, err.message);
        throw err;
      }
    },
  };
}

function checkFunctions(file: string, nodes: readonly Node[]): void {
  const visitPipeline = (pipeline: Pipeline): void => {
    for (const command of pipeline.commands) {
      for (const operand of command.operands) {
        if (operand.kind === 'function' && !(operand.name in FUNCTIONS)) {
          throw new TemplateError(
            file,
            operand.line,
            `function "${operand.name}" is not supported (known: ${Object.keys(FUNCTIONS).join(', ')})`,
          );
        }
        if (operand.kind === 'pipeline') visitPipeline(operand.pipeline);
      }
    }
  };
  for (const node of nodes) {
    if (node.kind === 'action') visitPipeline(node.pipeline);
    else if (node.kind === 'range') {
      visitPipeline(node.pipeline);
      checkFunctions(file, node.body);
      if (node.elseBody) checkFunctions(file, node.elseBody);
    } else if (node.kind === 'if' || node.kind === 'with') {
      for (const branch of node.branches) {
        visitPipeline(branch.pipeline);
        checkFunctions(file, branch.body);
      }
      if (node.elseBody) checkFunctions(file, node.elseBody);
    }
  }
}
