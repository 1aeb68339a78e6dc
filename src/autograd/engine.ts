/**
 * The backward pass. Starting from the roots' nodes, it repeatedly takes the pending node with the
 * largest sequence number. Every consumer of a node was recorded after it, so by then all of the
 * node's gradient contributions have arrived: tape order alone orders the work, and no graph
 * search is needed. Gradients reaching one node or leaf from several uses add up.
 */
import { AutogradError, ShapeError } from '../errors.js';
import { fmtShape, numelOf, shapesEqual } from '../tensor/shape.js';
import { keep, releaseOwned, scoped, Tensor } from '../tensor/tensor.js';
import { innermostScope, withScope, type ReleaseReason } from '../tensor/scope.js';
import { add } from '../ops/elementwise.js';
import { add_ } from '../ops/inplace.js';
import { toDtype } from '../ops/elementwise.js';
import { onesLike } from '../ops/creation.js';
import { enableGrad, noGrad } from './grad-mode.js';
import type { GradHook, InputMeta, Node } from './node.js';

/** Options of `backward` and `Tensor.backward`, as in `torch.autograd.backward`. */
export interface BackwardOptions {
  /** Keep saved values for another backward through the same graph (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order derivatives (default false). */
  createGraph?: boolean;
}

/** Options of `grad`, as in `torch.autograd.grad`. */
export interface GradOptions extends BackwardOptions {
  /** Upstream gradients, one per output (default: ones for one-element outputs). */
  gradOutputs?: readonly (Tensor | null)[];
  /** Return `null` for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** A max-heap of nodes by sequence number. */
class TapeQueue {
  private items: Node[] = [];
  get size(): number {
    return this.items.length;
  }
  push(n: Node): void {
    const a = this.items;
    a.push(n);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].seq >= a[i].seq) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Node {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].seq > a[m].seq) m = l;
        if (r < a.length && a[r].seq > a[m].seq) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

function runHooks(hooks: readonly GradHook[], g: Tensor, where: string): Tensor {
  for (const h of hooks) {
    const r = h(g);
    if (r instanceof Tensor) {
      if (!shapesEqual(r.shape, g.shape)) {
        throw new ShapeError(
          `hook on ${where} returned a gradient of shape ${fmtShape(r.shape)}, expected ${fmtShape(g.shape)}`,
        );
      }
      g = r;
    }
  }
  return g;
}

/** Checks one gradient against its input (shape must match; dtype is cast, as PyTorch does). */
function validate(g: Tensor, meta: InputMeta, node: Node, index: number): Tensor {
  if (!shapesEqual(g.shape, meta.shape)) {
    throw new AutogradError(
      `Function ${node.name} returned an invalid gradient at index ${index} - got ` +
        `${fmtShape(g.shape)} but expected shape compatible with ${fmtShape(meta.shape)}`,
    );
  }
  return g.dtype === meta.dtype ? g : toDtype(g, meta.dtype);
}

interface EngineResult {
  /** Total gradient per leaf reached. */
  leaves: Map<Tensor, Tensor>;
  /** Total gradient per node, for the nodes asked for. */
  nodes: Map<Node, Tensor>;
}

/** What `autograd.grad` asks for: the inputs' nodes (non-leaves) and the leaf inputs. */
interface Capture {
  nodes: ReadonlySet<Node>;
  leaves: ReadonlySet<Tensor>;
}

/**
 * The nodes whose backward must run for a capture: those from which a requested input can be
 * reached. The rest of the graph is neither run nor freed, as in PyTorch.
 */
function nodesToRun(roots: readonly Tensor[], capture: Capture): Set<Node> {
  const reaches = new Map<Node, boolean>();
  const stack: Node[] = [];
  for (const r of roots) if (r.gradFn !== null) stack.push(r.gradFn);
  // Iterative post-order: a node is decided once all of its producers are.
  while (stack.length > 0) {
    const node = stack[stack.length - 1];
    if (reaches.has(node)) {
      stack.pop();
      continue;
    }
    const open = node.edges.filter((e) => e?.node !== undefined && !reaches.has(e.node));
    if (open.length > 0) {
      for (const e of open) stack.push(e!.node!);
      continue;
    }
    stack.pop();
    reaches.set(
      node,
      node.edges.some(
        (e) =>
          e !== null &&
          (e.node !== undefined
            ? capture.nodes.has(e.node) || reaches.get(e.node) === true
            : capture.leaves.has(e.leaf)),
      ),
    );
  }
  const run = new Set<Node>();
  for (const [node, yes] of reaches) if (yes) run.add(node);
  return run;
}

function runEngine(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  retainGraph: boolean,
  createGraph: boolean,
  capture: Capture | null,
): EngineResult {
  const toRun = capture === null ? null : nodesToRun(roots, capture);
  const wanted = (node: Node): boolean =>
    toRun === null || toRun.has(node) || capture!.nodes.has(node);
  const pending = new Map<Node, Tensor>();
  const leaves = new Map<Tensor, Tensor>();
  const nodes = new Map<Node, Tensor>();
  const queue = new TapeQueue();
  // Gradients this backward made are released as soon as they are used up, so that the next
  // node's VJP reuses their memory. Under createGraph they are part of the new graph, whose own
  // references keep what it needs; they are left to the end of the scope.
  const scope = innermostScope();
  const eager = !createGraph;
  /** The handles held as pending sums, leaf totals and results: each held once. */
  const held = new Set<Tensor>();
  const drop = (t: Tensor): void => {
    if (eager && t._scope === scope && scope !== null && !held.has(t)) t._release(BACKWARD);
  };
  const hold = (t: Tensor): Tensor => {
    const own = eager && held.has(t) ? t.detach() : t;
    held.add(own);
    return own;
  };
  const accumulate = <K>(map: Map<K, Tensor>, key: K, g: Tensor): void => {
    const prev = map.get(key);
    if (prev === undefined) {
      map.set(key, hold(g));
      return;
    }
    held.delete(prev);
    map.set(key, hold(add(prev, g)));
    drop(prev);
  };
  const route = (t: Tensor | null, node: Node | undefined, g: Tensor): void => {
    if (node !== undefined) {
      if (!wanted(node)) return;
      if (!pending.has(node)) queue.push(node);
      accumulate(pending, node, g);
    } else if (t !== null && (capture === null || capture.leaves.has(t))) {
      accumulate(leaves, t, g);
    }
  };
  const body = (): void => {
    roots.forEach((r, i) => route(r, r.gradFn ?? undefined, rootGrads[i]));
    while (queue.size > 0) {
      const node = queue.pop();
      const arrived = pending.get(node)!;
      pending.delete(node);
      held.delete(arrived);
      const g = runHooks(node.hooks, arrived, node.name);
      if (g !== arrived) drop(arrived);
      if (capture !== null) {
        if (capture.nodes.has(node)) {
          nodes.set(node, g);
          held.add(g);
        }
        // A requested non-leaf stops the walk unless another requested input lies behind it.
        if (!toRun!.has(node)) {
          drop(g);
          continue;
        }
      } else if (node.retained !== null) {
        accumulateGrad(node.retained, g, createGraph);
      }
      // The VJP's own intermediates are released when it returns.
      const grads = withScope(
        'library',
        node.name,
        () => node.apply(g),
        (out) => (t) => out.includes(t as Tensor),
      );
      if (!retainGraph) node.release();
      node.edges.forEach((edge, i) => {
        const gi = grads[i];
        if (edge === null || gi === null || gi === undefined) return;
        const checked = validate(gi, node.inputs[i], node, i);
        route(edge.leaf ?? null, edge.node, checked);
        if (checked !== gi) drop(checked);
      });
      // What the VJP returned and no route holds, and g itself, are used up.
      for (const gi of grads) if (gi !== null && gi !== undefined) drop(gi);
      drop(g);
    }
    for (const [leaf, g] of leaves) {
      if (leaf._hooks !== null) leaves.set(leaf, runHooks(leaf._hooks, g, 'a leaf tensor'));
    }
  };
  if (createGraph) enableGrad(body);
  else noGrad(body);
  return { leaves, nodes };
}

/** What releases the gradients a backward made: the backward itself, as its intermediates. */
const BACKWARD: ReleaseReason = { kind: 'library', by: 'backward()' };

/**
 * Adds `g` into `t.grad`: under createGraph a graph-connected sum; otherwise, as PyTorch's
 * AccumulateGrad does, a detached copy the first time and then in place (`grad += g`), so
 * a zeroed gradient is reused step after step instead of reallocated.
 */
function accumulateGrad(t: Tensor, g: Tensor, createGraph: boolean): void {
  // A new `.grad` is kept: it outlives the backward's scope and any tidy around it. One it
  // replaces is released if the library kept it (a user's own `.grad` is left to the user).
  const old = t.grad;
  if (createGraph) {
    // A copy first, as PyTorch's AccumulateGrad: g may be shared by several inputs or be the
    // caller's own upstream gradient, and a later plain backward accumulates into it in place.
    t.grad = keep(old === null ? enableGrad(() => g.clone()) : enableGrad(() => add(old, g)));
  } else if (old === null) {
    t.grad = keep(noGrad(() => g.clone()));
  } else if (old.requiresGrad) {
    t.grad = keep(noGrad(() => add(old.detach(), g.detach())));
  } else {
    noGrad(() => add_(old, g));
  }
  if (old !== null && t.grad !== old && old._kept) {
    releaseOwned(old, 'backward(), which replaced this .grad with the new sum');
  }
}

function makeRootGrads(
  outputs: readonly Tensor[],
  given: readonly (Tensor | null)[] | undefined,
): Tensor[] {
  if (given !== undefined && given.length !== outputs.length) {
    throw new AutogradError(
      `grad can be given once per output: got ${given.length} gradients for ${outputs.length} outputs`,
    );
  }
  return outputs.map((out, i) => {
    if (!out.requiresGrad) {
      throw new AutogradError(
        `element ${i} of tensors does not require grad and does not have a grad_fn`,
      );
    }
    const g = given?.[i] ?? null;
    if (g === null) {
      if (numelOf(out.shape) !== 1) {
        throw new AutogradError(
          `grad can be implicitly created only for scalar outputs (output ${i} has shape ${fmtShape(out.shape)})`,
        );
      }
      return onesLike(out);
    }
    if (!shapesEqual(g.shape, out.shape)) {
      throw new ShapeError(
        `Mismatch in shape: grad_output[${i}] has a shape of ${fmtShape(g.shape)} and output[${i}] ` +
          `has a shape of ${fmtShape(out.shape)}.`,
      );
    }
    return g.dtype === out.dtype ? g : noGrad(() => toDtype(g, out.dtype));
  });
}

/**
 * Computes the gradients of `tensors` with respect to the graph leaves and accumulates them into
 * each leaf's `.grad` (and into tensors that called `retainGrad()`), like `torch.autograd.backward`.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * backward([x.mul(x).sum()]); // x.grad = [2, 4, 6]
 * ```
 */
export function backward(
  tensors: readonly Tensor[],
  gradTensors?: readonly (Tensor | null)[],
  options: BackwardOptions = {},
): void {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  scoped('backward()', () => {
    const rootGrads = makeRootGrads(tensors, gradTensors);
    const { leaves } = runEngine(tensors, rootGrads, retainGraph, createGraph, null);
    for (const [leaf, g] of leaves) accumulateGrad(leaf, g, createGraph);
  });
}

/**
 * Returns the gradients of `outputs` with respect to `inputs` without touching any `.grad`,
 * like `torch.autograd.grad`.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
 * const [dx] = grad([x.pow(3).sum()], [x], { createGraph: true }); // 3x², still differentiable
 * ```
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  ins.forEach((t, i) => {
    if (!t.requiresGrad)
      throw new AutogradError(
        `One of the differentiated Tensors (input ${i}) does not require grad`,
      );
  });
  const capture: Capture = {
    nodes: new Set(ins.flatMap((t) => (t.gradFn === null ? [] : [t.gradFn]))),
    leaves: new Set(ins.filter((t) => t.gradFn === null)),
  };
  return scoped('autograd.grad()', () => {
    const rootGrads = makeRootGrads(outs, options.gradOutputs);
    const { leaves, nodes } = runEngine(outs, rootGrads, retainGraph, createGraph, capture);
    return ins.map((t, i) => {
      const g = t.gradFn !== null ? nodes.get(t.gradFn) : leaves.get(t);
      if (g === undefined) {
        if (options.allowUnused === true) return null;
        throw new AutogradError(
          `One of the differentiated Tensors (input ${i}) appears to not have been used in the graph. ` +
            'Set allowUnused: true if this is the desired behavior.',
        );
      }
      // The same tensor may answer for two inputs: each result is its own handle.
      return createGraph ? g : g.detach();
    });
  });
}
