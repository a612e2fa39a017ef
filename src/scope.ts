/**
 * Memory scopes, like `tf.tidy`: `scope(fn)` disposes every tensor created inside `fn`
 * that `fn` does not return and that was not `keep()`-ed. Tensors returned (directly, in
 * an array or as values of a plain object) move to the enclosing scope.
 */

export interface Disposable {
  dispose(): void;
  readonly kept: boolean;
}

const stack: Set<Disposable>[] = [];

/** Registers a new tensor with the innermost scope, if any. */
export function track(t: Disposable): void {
  stack[stack.length - 1]?.add(t);
}

/** Removes `t` from every open scope so it outlives them (parameters, optimizer state). */
export function untrack(t: Disposable): void {
  for (const s of stack) s.delete(t);
}

function collect(v: unknown, out: Set<unknown>, depth = 0): void {
  if (v === null || typeof v !== 'object' || depth > 3) return;
  if (typeof (v as Disposable).dispose === 'function' && 'kept' in (v as object)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, out, depth + 1);
}

function close<T>(own: Set<Disposable>, result: T): T {
  const keepers = new Set<unknown>();
  collect(result, keepers);
  const parent = stack[stack.length - 1];
  for (const t of own) {
    if (keepers.has(t)) parent?.add(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}

/** Runs `fn`, then disposes the tensors it created but did not return. */
export function scope<T>(fn: () => T): T {
  const own = new Set<Disposable>();
  stack.push(own);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    close(own, undefined);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) throw new TypeError('scope: fn must be synchronous; await inside it would let other work leak into the scope');
  return close(own, result);
}
