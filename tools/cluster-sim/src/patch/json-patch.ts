import { StatusError } from '../errors.js';
import { cloneObject, deepEqual, isPlainObject } from '../resources/kube-object.js';

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** JSON patch failures are 422 in the real API server ("the server rejected our request…"). */
function patchError(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchError(`JSON pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(array: unknown[], token: string, allowEnd: boolean, pointer: string): number {
  if (token === '-' && allowEnd) return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw patchError(`invalid array index "${token}" in path "${pointer}"`);
  const index = Number(token);
  const limit = allowEnd ? array.length : array.length - 1;
  if (index > limit) throw patchError(`array index ${index} out of bounds in path "${pointer}"`);
  return index;
}

/** Returns the container holding the last token of the pointer, walking the document. */
function resolveParent(document: unknown, tokens: string[], pointer: string): unknown {
  let current = document;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[arrayIndex(current, token, false, pointer)];
    else if (isPlainObject(current) && token in current) current = current[token];
    else throw patchError(`path "${pointer}" does not exist (missing "${token}")`);
  }
  return current;
}

function getValue(document: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return document;
  const parent = resolveParent(document, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false, pointer)];
  if (isPlainObject(parent) && last in parent) return parent[last];
  throw patchError(`path "${pointer}" does not exist`);
}

function addValue(document: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = resolveParent(document, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, pointer), 0, value);
  else if (isPlainObject(parent)) parent[last] = value;
  else throw patchError(`cannot add at "${pointer}": parent is not an object or array`);
  return document;
}

function removeValue(document: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw patchError('cannot remove the whole document');
  const parent = resolveParent(document, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, pointer), 1);
  else if (isPlainObject(parent) && last in parent) delete parent[last];
  else throw patchError(`cannot remove "${pointer}": it does not exist`);
  return document;
}

function asOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) {
    throw new StatusError(
      400,
      'BadRequest',
      'a JSON patch (application/json-patch+json) must be an array of operations; client-node sends this content type by default — pass setHeaderOptions("Content-Type", PatchStrategy.MergePatch) to send a merge patch object',
    );
  }
  return patch.map((operation, index) => {
    if (!isPlainObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw patchError(`JSON patch operation ${index} needs string "op" and "path"`);
    }
    return operation as unknown as Operation;
  });
}

/** RFC 6902 JSON patch including `test`; the whole patch fails if any operation fails. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  let document = cloneObject(target);
  for (const operation of asOperations(patch)) {
    switch (operation.op) {
      case 'add':
        document = addValue(document, operation.path, cloneObject(operation.value));
        break;
      case 'remove':
        document = removeValue(document, operation.path);
        break;
      case 'replace':
        if (operation.path === '') {
          document = cloneObject(operation.value);
          break;
        }
        getValue(document, operation.path);
        document = addValue(removeValue(document, operation.path), operation.path, cloneObject(operation.value));
        break;
      case 'move': {
        const value = getValue(document, requireFrom(operation));
        document = addValue(removeValue(document, requireFrom(operation)), operation.path, value);
        break;
      }
      case 'copy':
        document = addValue(document, operation.path, cloneObject(getValue(document, requireFrom(operation))));
        break;
      case 'test':
        if (!deepEqual(getValue(document, operation.path), operation.value)) {
          throw patchError(`testing value ${operation.path} failed`);
        }
        break;
      default:
        throw patchError(`unknown JSON patch operation "${operation.op}"`);
    }
  }
  return document;
}

function requireFrom(operation: Operation): string {
  if (typeof operation.from !== 'string') throw patchError(`JSON patch "${operation.op}" needs a "from" pointer`);
  return operation.from;
}
