/**
 * Who releases a tensor's memory, and when.
 *
 * A scope records every tensor made while it is the innermost one. When it ends, it releases
 * those that are neither among its results nor kept (`keep`), and hands its results to the
 * enclosing scope. `tidy(fn)` is the user's scope; the library opens its own around every
 * function that makes intermediates (each primitive's forward, composite ops, module forwards,
 * losses, optimizer steps, the backward pass), so that what it made and did not return is
 * released the moment it is dead, whether or not the user wrote `tidy`.
 *
 * A `tidy` also ends the graphs recorded inside it that nothing can backward through any more:
 * the values a node saved for its VJP are released when no tensor that outlives the tidy (its
 * results, what was kept, a tensor changed in place) reaches the node. So a forward with grad on
 * and no backward (an evaluation without `noGrad`) gives its memory back too.
 *
 * A tensor that leaves the outermost scope, or is made outside every scope, belongs to the user.
 * The garbage collector reclaims it (a FinalizationRegistry releases its memory) once the
 * program yields to the event loop. A synchronous loop never yields, so what such tensors hold
 * must stay bounded: small ones (at most {@link SMALL_BYTES}) live in plain typed arrays, which
 * the collector frees without help, and large ones in the tensor memory up to its limit
 * (`setMemoryLimit`), past which they too get plain arrays.
 */
import type { Block } from '../storage/block.js';

/**
 * What released a tensor, as `ReleasedTensorError` reports it: `dispose()`, a `tidy`, a backward
 * (the values saved for it), a library function (its intermediates), or the library object that
 * owned the tensor and dropped it (`by` says which, in full).
 */
export type ReleaseReason =
  | {
      /** Released by `dispose()`. */
      kind: 'dispose';
    }
  | {
      /** Released by the `tidy` (or `scope()`) it was made in. */
      kind: 'tidy';
    }
  | {
      /** Released by a backward pass, which frees the values saved for it. */
      kind: 'backward';
    }
  | {
      /** Released by the library function that made it as an intermediate. */
      kind: 'library';
      /** The function's name. */
      by: string;
    }
  | {
      /** Released by the library object that owned it and dropped it. */
      kind: 'owner';
      /** What dropped it, in full (e.g. `zeroGrad({ setToNone: true }), which dropped this .grad`). */
      by: string;
    };

/** What a scope needs of a tape node: its place on the tape, its edges, and how to free it. */
export interface GraphNode {
  readonly seq: number;
  readonly edges: readonly ({ readonly node?: GraphNode } | null)[];
  release(reason: ReleaseReason): void;
  savedTensors(): readonly Tracked[];
}

/** What a scope needs of a tensor (the Tensor class, without importing it). */
export interface Tracked {
  _scope: Scope | null;
  _released: ReleaseReason | null;
  _registered: boolean;
  _kept: boolean;
  readonly _block: Block;
  readonly gradFn: GraphNode | null;
  _release(reason: ReleaseReason): void;
}

/** The graph a collecting scope watches: the nodes recorded in it, and tensors it must keep. */
interface Graph {
  readonly nodes: GraphNode[];
  /** Tensors whose graphs outlive the scope whatever its results: kept, or changed in place. */
  readonly roots: Tracked[];
}

export interface Scope {
  readonly tracked: Tracked[];
  parent: Scope | null;
  /** A user's scope (tidy, scope()) or a library function's, named `by`. */
  kind: 'tidy' | 'library';
  by: string;
  /** The reason given to what the scope releases, made on first use. */
  reason: ReleaseReason | null;
  /** The graph it ends (tidy, scope()), or null. */
  graph: Graph | null;
  /** The innermost enclosing scope that ends graphs, this one included. */
  collector: Scope | null;
}

/** User-held tensors up to this size live in plain typed arrays (see the header). */
export const SMALL_BYTES = 65536;

let innermost: Scope | null = null;

const TIDY: ReleaseReason = { kind: 'tidy' };

/** What `scope` gives as the reason of what it releases. */
function reasonOf(scope: Scope): ReleaseReason {
  scope.reason ??= scope.kind === 'tidy' ? TIDY : { kind: 'library', by: scope.by };
  return scope.reason;
}

/** The innermost open scope, or null. */
export function innermostScope(): Scope | null {
  return innermost;
}

/** The name of the innermost library function running, or null. */
export function innermostFunction(): string | null {
  return innermost !== null && innermost.kind === 'library' ? innermost.by : null;
}

/** Whether a scope is open: a tensor made now is released with it unless it survives. */
export function inScope(): boolean {
  return innermost !== null;
}

const registry = new FinalizationRegistry<Block>((block) => block.release());

/** Lets the garbage collector release `t`'s reference to its block when `t` becomes garbage. */
function register(t: Tracked): void {
  if (t._registered || t._released !== null || !t._block.resident) return;
  registry.register(t, t._block, t);
  t._registered = true;
}

/** Stops the collector from releasing `t` (it is being released explicitly). */
export function unregister(t: Tracked): void {
  if (!t._registered) return;
  registry.unregister(t);
  t._registered = false;
}

/** Records a new tensor in the innermost scope, or hands it to the user when there is none. */
export function track(t: Tracked): void {
  if (innermost !== null) {
    innermost.tracked.push(t);
    t._scope = innermost;
  } else {
    register(t);
  }
}

/**
 * Records a tensor that no scope may release (the tape's own references to saved values): only
 * its owner releases it, or the garbage collector. Inside a scope that ends graphs, the node that
 * holds it is recorded there, and registered only if it outlives the outermost such scope.
 */
export function untracked(t: Tracked): void {
  if (innermost?.collector == null) register(t);
}

/**
 * `t` now belongs to the user: a small block that only `t` holds moves to a plain array; any
 * other is registered (a block shared with a kept tensor, a view or the tape stays where it is).
 */
function toUser(t: Tracked): void {
  t._scope = null;
  const block = t._block;
  if (block.resident && block.capacity <= SMALL_BYTES && block.refs === 1) block.toPlain();
  else register(t);
}

/**
 * Marks `t` to outlive every scope: `tidy` and the library's scopes leave it alone, and only
 * `dispose()` (or the collector) releases it. Returns `t`.
 */
export function keepTensor<T extends Tracked>(t: T): T {
  if (t._released === null) {
    t._kept = true;
    t._scope = null;
    register(t);
    graphRoot(t);
  }
  return t;
}

/** Records a new tape node in the scope that ends graphs, if one is open. */
export function recordNode(node: GraphNode): void {
  innermost?.collector?.graph!.nodes.push(node);
}

/** Marks `t`'s graph to outlive the scope that ends graphs (an in-place op gave `t` history). */
export function graphRoot(t: Tracked): void {
  innermost?.collector?.graph!.roots.push(t);
}

/** Closed scopes, reused: a primitive call opens one, and most calls make one tensor. */
const spare: Scope[] = [];

/** Opens a scope; `by` names the library function (for tidy, unused). */
export function openScope(kind: 'tidy' | 'library', by: string, endsGraphs = false): Scope {
  const parent = innermost;
  const scope = spare.pop() ?? {
    tracked: [],
    parent: null,
    kind,
    by,
    reason: null,
    graph: null,
    collector: null,
  };
  scope.parent = parent;
  scope.kind = kind;
  scope.by = by;
  scope.reason = null;
  scope.graph = endsGraphs ? { nodes: [], roots: [] } : null;
  scope.collector = endsGraphs ? scope : (parent?.collector ?? null);
  innermost = scope;
  return scope;
}

/**
 * Frees the saved values of the nodes recorded in collecting scope `scope` that no survivor or
 * root reaches (nothing can backward through them any more), and hands the others, and the
 * roots, to the enclosing collector; past the outermost one, their saved values are left to the
 * garbage collector.
 */
function endGraphs(scope: Scope, survivors: readonly Tracked[]): void {
  const graph = scope.graph!;
  if (graph.nodes.length === 0) return;
  const first = graph.nodes[0].seq;
  const reached = new Set<GraphNode>();
  const stack: GraphNode[] = [];
  for (const t of [...survivors, ...graph.roots]) {
    if (t.gradFn !== null && t._released === null) stack.push(t.gradFn);
  }
  while (stack.length > 0) {
    const node = stack.pop()!;
    // Nodes recorded before the scope opened cannot lead back into it: edges point to older nodes.
    if (node.seq < first || reached.has(node)) continue;
    reached.add(node);
    for (const e of node.edges) if (e?.node !== undefined) stack.push(e.node);
  }
  const outer = scope.parent?.collector?.graph ?? null;
  for (const node of graph.nodes) {
    if (!reached.has(node)) node.release(reasonOf(scope));
    else if (outer !== null) outer.nodes.push(node);
    else for (const t of node.savedTensors()) register(t);
  }
  outer?.roots.push(...graph.roots);
}

/**
 * Ends `scope`: every tensor it recorded is released unless `survives(t)` (then it moves to the
 * enclosing scope, or to the user) or it was kept or released already.
 */
export function closeScope(scope: Scope, survives: (t: Tracked) => boolean): void {
  if (innermost !== scope) {
    throw new Error('tapegrad: scopes must end in the reverse order of their start');
  }
  innermost = scope.parent;
  const parent = scope.parent;
  const tracked = scope.tracked;
  const survivors: Tracked[] = [];
  for (let i = 0; i < tracked.length; i++) {
    const t = tracked[i];
    if (t._scope !== scope || t._released !== null) continue;
    if (!survives(t)) {
      t._release(reasonOf(scope));
      continue;
    }
    survivors.push(t);
    if (parent !== null) {
      parent.tracked.push(t);
      t._scope = parent;
    }
  }
  if (scope.graph !== null) endGraphs(scope, survivors);
  // Blocks move out of the memory only once the graphs are ended, which releases references.
  if (parent === null) for (const t of survivors) toUser(t);
  tracked.length = 0;
  scope.parent = null;
  scope.graph = null;
  scope.collector = null;
  spare.push(scope);
}

const NONE = (): boolean => false;

/**
 * Runs `fn` in a scope that releases, when it returns, the tensors made inside that are not in
 * `result(value)`; if `fn` throws, it releases them all.
 */
export function withScope<R>(
  kind: 'tidy' | 'library',
  by: string,
  fn: () => R,
  survivors: (value: R) => (t: Tracked) => boolean,
  endsGraphs = false,
): R {
  const scope = openScope(kind, by, endsGraphs);
  let value: R;
  try {
    value = fn();
  } catch (e) {
    closeScope(scope, NONE);
    throw e;
  }
  closeScope(scope, survivors(value));
  return value;
}

/** The tensors in a value: itself, or those in an array or an object's own values, at any depth. */
export function tensorsIn(
  value: unknown,
  isTensor: (v: unknown) => v is Tracked,
): (t: Tracked) => boolean {
  if (isTensor(value)) return (t) => t === value;
  const found = new Set<Tracked>();
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (isTensor(v)) {
      found.add(v);
      return;
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) for (const e of v) walk(e);
    else if (v instanceof Map) for (const e of v.values()) walk(e);
    else if (Object.getPrototypeOf(v) === Object.prototype)
      for (const e of Object.values(v)) walk(e);
  };
  walk(value);
  return (t) => found.has(t);
}

/** A scope for `using`: everything made until it is disposed is released then, unless kept. */
export interface ScopeHandle {
  /** Ends the scope (what `using` calls). */
  [Symbol.dispose](): void;
}

export function openUserScope(): ScopeHandle {
  const scope = openScope('tidy', 'scope()', true);
  let done = false;
  return {
    [Symbol.dispose]() {
      if (done) return;
      done = true;
      closeScope(scope, NONE);
    },
  };
}
