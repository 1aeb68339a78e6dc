/**
 * The float32 SGD step in WebAssembly SIMD: the same operations and roundings as `sgdKernel` in
 * ../optim.ts, so the result is the same bit for bit. Two kernels compute it:
 * sgd-fma.wat, with relaxed SIMD's fused multiply-add (one instruction per fmaf, used where the
 * host has relaxed SIMD and its witness shows the multiply-add fused), and sgd.wat, which
 * emulates fmaf in float64 everywhere else.
 */
import { SGD_FMA_UNSHARED_WASM, SGD_FMA_WASM, SGD_UNSHARED_WASM, SGD_WASM } from './generated.js';
import { decode, kernelModule, moduleFor, relaxedSimd, stage } from './instance.js';

type SgdArgs = [
  p: number,
  g: number,
  buf: number,
  n: number,
  flags: number,
  wd: number,
  mom: number,
  keep: number,
  step: number,
];

type SgdEmulated = (...args: SgdArgs) => void;
type SgdFma = (...args: [...SgdArgs, wa: number, wc: number, fused: number]) => number;

let emulated: SgdEmulated | null = null;
/** The fused kernel: undefined before the first step, null where it is not available. */
let sgdFma: SgdFma | null | undefined;
let fusedAllowed = true;

/** The fmaf witness of sgd-fma.wat: a·a + c for a = 1 + 2⁻¹², c = −1 is 2⁻¹¹ + 2⁻²⁴ fused. */
const WITNESS = [1 + 2 ** -12, -1, 2 ** -11 + 2 ** -24] as const;

function emulatedKernel(): SgdEmulated {
  emulated ??= kernelModule(
    moduleFor({ shared: SGD_WASM, unshared: SGD_UNSHARED_WASM }),
    'sgd.wasm',
    ['sgd_f32'],
  ).sgd_f32;
  return emulated;
}

function fusedKernel(): SgdFma | null {
  if (sgdFma !== undefined) return sgdFma;
  sgdFma = null;
  try {
    if (relaxedSimd(decode(SGD_FMA_WASM))) {
      const f = kernelModule(
        moduleFor({ shared: SGD_FMA_WASM, unshared: SGD_FMA_UNSHARED_WASM }),
        'sgd-fma.wasm',
        ['sgd_f32_fma'],
      ).sgd_f32_fma;
      // An empty step runs the witness alone: where relaxed_madd is not fused, no fused kernel.
      if (f(0, 0, 0, 0, 0, 0, 0, 1, 0, ...WITNESS) === 1) sgdFma = f;
    }
  } catch {
    sgdFma = null;
  }
  return sgdFma;
}

/**
 * Which float32 SGD kernel runs: `'fma'` (relaxed SIMD, fused) or `'emulated'` (float64
 * emulation of fmaf). `allowFused(false)` forces the emulation (the tests cover both).
 */
export function sgdKernelInfo(allowFused?: boolean): 'fma' | 'emulated' {
  if (allowFused !== undefined) fusedAllowed = allowFused;
  return fusedAllowed && fusedKernel() !== null ? 'fma' : 'emulated';
}

/** The scalars of one step, already rounded to float32. */
export interface SgdF32Scalars {
  wd: number;
  mom: number;
  keep: number;
  step: number;
  maximize: boolean;
  useWd: boolean;
  nesterov: boolean;
}

/**
 * One SGD step on the first `n` (a multiple of 4) elements of `p`, `g` and `buf` (null without
 * momentum; `fresh`: the buffer is new and takes d). False (nothing written) when the memory
 * cannot hold them.
 */
export function sgdF32(
  p: Float32Array,
  g: Float32Array,
  buf: Float32Array | null,
  fresh: boolean,
  n: number,
  h: SgdF32Scalars,
): boolean {
  const operands = [
    { data: p, out: true, read: true },
    { data: g },
    { data: buf ?? g, out: buf !== null, read: !fresh },
  ];
  const s = stage(operands);
  if (s === null) return false;
  const [pAt, gAt, bufAt] = s.at;
  const flags =
    (h.maximize ? 1 : 0) |
    (h.useWd ? 2 : 0) |
    (buf !== null ? 4 : 0) |
    (fresh ? 8 : 0) |
    (h.nesterov ? 16 : 0);
  const args: SgdArgs = [pAt, gAt, bufAt, n, flags, h.wd, h.mom, h.keep, h.step];
  const fma = fusedAllowed ? fusedKernel() : null;
  if (fma === null || fma(...args, ...WITNESS) === 0) {
    // Not fused here (the witness failed: nothing was written): emulate from now on.
    if (fma !== null) sgdFma = null;
    emulatedKernel()(...args);
  }
  s.done();
  return true;
}
