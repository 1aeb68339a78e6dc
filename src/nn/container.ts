/**
 * `nn.ModuleList`, PyTorch's list of submodules: it holds modules so that their parameters are
 * found, saved and trained, and leaves the wiring to the module that owns it.
 */
import { IndexError, TapegradError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

function checkModule(module: Module, op: string): Module {
  if (!(module instanceof Module)) {
    throw new ValueError(`ModuleList.${op}: ${String(module)} is not a Module subclass`);
  }
  return module;
}

/**
 * A list of modules, `torch.nn.ModuleList`. The modules are fields named '0', '1', …, so they are
 * children in that order and the owner's state-dict keys read `layers.0.weight`, as in PyTorch;
 * `list[i]` and `list.at(-1)` index it and `for … of` walks it. It has no `forward`: the owning
 * module calls its entries.
 *
 * @example
 * ```ts
 * class MLP extends nn.Module {
 *   layers = new nn.ModuleList([new nn.Linear(4, 8), new nn.Linear(8, 2)]);
 *   override forward(x: Tensor): Tensor {
 *     for (const layer of this.layers) x = layer.forward(x).relu();
 *     return x;
 *   }
 * }
 * new MLP().stateDict(); // keys layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias
 * ```
 */
export class ModuleList extends Module {
  [index: number]: Module;

  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  /** The number of modules. */
  get length(): number {
    return this.namedChildren().length;
  }

  /**
   * The module at `index` (negative counts from the end), as `list[index]` in PyTorch.
   * @example layers.at(-1) // the last module
   */
  at(index: number): Module {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new IndexError(`ModuleList: index ${index} is out of range (length ${n})`);
    }
    return this[index < 0 ? index + n : index];
  }

  /**
   * Adds `module` at the end, under the next number.
   * @example layers.append(new nn.ReLU())
   */
  append(module: Module): this {
    this[this.length] = checkModule(module, 'append');
    return this;
  }

  /**
   * Adds each of `modules` at the end, in order (none of them if any is not a Module).
   * @example layers.extend([new nn.Linear(2, 2), new nn.ReLU()])
   */
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof modules !== 'object' || !(Symbol.iterator in modules)) {
      throw new ValueError(
        `ModuleList.extend should be called with an iterable, but got ${String(modules)}`,
      );
    }
    // All are checked before any is added, so a bad entry leaves the list as it was.
    const all = [...modules].map((m) => checkModule(m, 'extend'));
    for (const m of all) this.append(m);
    return this;
  }

  /**
   * Inserts `module` before position `index` (negative counts from the end; clamped to the list,
   * as Python's `list.insert`), renumbering the modules after it.
   * @example layers.insert(0, new nn.Flatten())
   */
  insert(index: number, module: Module): this {
    checkModule(module, 'insert');
    if (!Number.isInteger(index)) {
      throw new ValueError(`ModuleList.insert: index must be an integer (got ${index})`);
    }
    const n = this.length;
    const at = index < 0 ? Math.max(index + n, 0) : Math.min(index, n);
    for (let i = n; i > at; i--) this[i] = this[i - 1];
    this[at] = module;
    return this;
  }

  /** A ModuleList is a container and has no forward, as in PyTorch. */
  forward(..._inputs: Tensor[]): Tensor {
    throw new TapegradError(
      'Module [ModuleList] is missing the required "forward" function: call its entries instead',
    );
  }

  /**
   * The modules in order.
   * @example for (const layer of layers) layer.eval();
   */
  *[Symbol.iterator](): Iterator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }
}
