import { AutogradError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { fmtShape, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Block } from '../storage/block.js';
import type { ReleaseReason } from '../tensor/scope.js';

/** Where the gradient of one input goes. */
export type Edge =
  | { readonly node: Node; readonly leaf?: undefined }
  | { readonly node?: undefined; readonly leaf: Tensor }
  | null;

/** A hook sees a gradient and may return a replacement for it. */
export type GradHook = (grad: Tensor) => Tensor | undefined | void; // eslint-disable-line @typescript-eslint/no-invalid-void-type -- a hook may return nothing, as in PyTorch

/** What a node remembers of each input: enough to check and shape its gradient. */
export interface InputMeta {
  /** The input's shape; its gradient must have it. */
  readonly shape: Shape;
  /** The input's dtype; its gradient is cast to it. */
  readonly dtype: DType;
}

interface SavedRef {
  readonly tensor: Tensor;
  readonly version: number;
}

let nextSeq = 0;

const BACKWARD: ReleaseReason = { kind: 'backward' };

/**
 * One record on the tape: the backward of one op call (PyTorch's `grad_fn`). A node holds edges to
 * the producers of its inputs (another node, or a leaf that accumulates `.grad`), the values the op
 * saved explicitly (with their versions at save time) and a closure that computes the VJP from
 * them. It does not hold the op's inputs themselves, so nothing is kept alive that the VJP does
 * not need.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2], { requiresGrad: true });
 * const y = x.mul(3).sum();
 * y.gradFn!.name; // 'SumBackward0'
 * y.gradFn!.edges[0]?.node?.name; // 'MulBackward0'
 * ```
 */
export class Node {
  /** Position on the tape: every node recorded later has a larger number. */
  readonly seq = nextSeq++;
  /** Hooks registered on the tensor this node produced (`registerHook` on a non-leaf). */
  readonly hooks: GradHook[] = [];
  /** The tensor this node produced, when `retainGrad()` was called on it. */
  retained: Tensor | null = null;
  private freed = false;

  constructor(
    /** PyTorch's name for the backward function, e.g. `MulBackward0`. */
    readonly name: string,
    /** Per input, where its gradient goes: the producer's node, a leaf, or null (no grad). */
    readonly edges: readonly Edge[],
    /** Shape and dtype of each input, kept after the inputs themselves are gone. */
    readonly inputs: readonly InputMeta[],
    private saved: readonly SavedRef[],
    private run: ((g: Tensor) => readonly (Tensor | null)[]) | null,
  ) {}

  /**
   * Computes the input gradients; checks first that no saved value was freed or modified. The
   * engine calls it; calling it directly runs one VJP without accumulating anything.
   * @example const [dx] = y.gradFn!.apply(onesLike(y)); // one VJP step, no .grad written
   */
  apply(g: Tensor): readonly (Tensor | null)[] {
    if (this.run === null || this.freed) {
      throw new AutogradError(
        'Trying to backward through the graph a second time (or directly access saved tensors ' +
          'after they have already been freed). Saved intermediate values of the graph are freed ' +
          `when you call .backward() or autograd.grad() (here: the values saved by ${this.name}). ` +
          'Specify retainGraph: true if you need to backward through the graph a second time or ' +
          'if you need to access saved tensors after calling backward.',
      );
    }
    for (const ref of this.saved) {
      const now = ref.tensor._version.value;
      if (now !== ref.version) {
        throw new AutogradError(
          'one of the variables needed for gradient computation has been modified by an inplace ' +
            `operation: [${ref.tensor.dtype} ${fmtShape(ref.tensor.shape)}], which was saved by ` +
            `${this.name}, is at version ${now}; expected version ${ref.version} instead. Hint: ` +
            'clone the tensor before modifying it in place, or modify it after backward.',
        );
      }
    }
    return this.run(g);
  }

  /**
   * Frees what the VJP saved. A node that saved nothing stays usable, as in PyTorch, where a
   * second backward through additions alone succeeds.
   * @example y.gradFn!.release(); // y.backward() now throws, unless nothing was saved
   */
  release(reason: ReleaseReason = BACKWARD): void {
    if (this.saved.length === 0) return;
    for (const ref of this.saved) ref.tensor._release(reason);
    this.saved = [];
    this.run = null;
    this.freed = true;
  }

  /**
   * The values this node holds for its backward (none once freed).
   * @example x.exp().gradFn!.savedTensors() // [the output eˣ], reused by the VJP
   */
  savedTensors(): readonly Tensor[] {
    return this.saved.map((ref) => ref.tensor);
  }
}

/** The size of a tape and the memory it keeps alive, as `graphStats` measures them. */
export interface GraphStats {
  /** Nodes reachable from the root: the size of the tape its backward will walk. */
  nodes: number;
  /** Bytes of all distinct storage the reachable nodes hold for backward. */
  savedBytes: number;
  /** The same, leaving out storage shared with the tensors in `exclude` (e.g. the inputs). */
  savedBytesExcluding: number;
}

/**
 * Counts the tape behind `root` and the memory it keeps alive for backward.
 * @example autograd.graphStats(loss, [x]).nodes
 */
export function graphStats(root: Tensor, exclude: readonly Tensor[] = []): GraphStats {
  const seen = new Set<Node>();
  const blocks = new Set<Block>();
  const stack = root.gradFn === null ? [] : [root.gradFn];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const t of node.savedTensors()) blocks.add(t._block);
    for (const e of node.edges) if (e?.node !== undefined) stack.push(e.node);
  }
  const excluded = new Set(exclude.map((t) => t._block));
  let savedBytes = 0;
  let savedBytesExcluding = 0;
  for (const b of blocks) {
    const bytes = b.length * (b.dtype === 'float64' ? 8 : 4);
    savedBytes += bytes;
    if (!excluded.has(b)) savedBytesExcluding += bytes;
  }
  return { nodes: seen.size, savedBytes, savedBytesExcluding };
}
