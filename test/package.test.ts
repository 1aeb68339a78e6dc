/**
 * The packed npm package (`npm pack`, which builds dist/ first) in the projects users make:
 * - an ESM project and a CommonJS one (`npm init -y`) install the tarball offline and run it:
 *   `import`, `require`, a `.ts` file under tsx, and both type-check with tsc;
 * - esbuild with default options (`--bundle --format=esm --platform=browser`) and Vite (`vite
 *   build`, no config) bundle a quick start that imports 'tapegrad', with no shims or plugins;
 * - README's recipe for handing the weights to PyTorch runs as written.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tapegrad-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const bin = (pkg: string, path: string) => join(repo, 'node_modules', pkg, path);
const tsx = bin('tsx', 'dist/cli.mjs');
const tsc = bin('typescript', 'bin/tsc');
const esbuild = bin('esbuild', 'bin/esbuild');
const vite = bin('vite', 'bin/vite.js');

/** The code blocks of the README section that starts with `heading`, with their languages. */
function blocks(heading: string): { lang: string; code: string }[] {
  const start = readme.indexOf(heading);
  const end = readme.indexOf('\n## ', start + heading.length);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
}
const [quickstart, quickstartOutput] = blocks('## Quick start').map((b) => b.code);

function run(cwd: string, command: string, args: string[]): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}
const node = (cwd: string, ...args: string[]) => run(cwd, process.execPath, args);

let tarball = '';
let files: string[] = [];

/** A new project in `work/name` with `package.json` fields, the tarball installed offline. */
function project(name: string, init: (dir: string) => void): string {
  const dir = join(work, name);
  mkdirSync(dir);
  init(dir);
  run(dir, 'npm', ['install', '--offline', '--no-audit', '--no-fund', tarball]);
  return dir;
}

beforeAll(() => {
  const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--json'], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path);
}, 300_000);

describe('the npm package', () => {
  it('holds the ESM and CommonJS builds with their types, the LICENSE and the Python reader', () => {
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/node.js',
      'dist/node.d.ts',
      'dist/cjs/package.json',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/node.js',
      'dist/cjs/node.d.ts',
      'LICENSE',
      'README.md',
      'python/tapegrad_safetensors.py',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false);
    expect(readFileSync(join(repo, 'LICENSE'), 'utf8')).toContain(
      'Copyright (c) 2026 the tapegrad authors',
    );
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      sideEffects: boolean;
      exports: Record<string, unknown>;
    };
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports)).toEqual(['.', './node', './testing', './package.json']);
  });

  it('imports no Node module from its root: dist/ reaches node: only from tapegrad/node', () => {
    // Every ESM file the root entry reaches, by following relative imports.
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(repo, 'dist', file), 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gm)) {
        expect(m[1], `${file} imports ${m[1]}`).toMatch(/^\.\.?\//);
        visit(join(file, '..', m[1]));
      }
    };
    visit('index.js');
    expect(seen.size).toBeGreaterThan(50);
    expect([...seen].filter((f) => f.includes('files'))).toEqual([]);
  });

  it('installs into an ESM project and runs the README quick start (tsx), import and tapegrad/node', () => {
    const app = project('esm', (dir) =>
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'esm-app', private: true, type: 'module' }),
      ),
    );
    expect(quickstart).toContain("from 'tapegrad'");
    writeFileSync(join(app, 'quickstart.ts'), quickstart);
    expect(node(app, tsx, 'quickstart.ts')).toBe(quickstartOutput);
    writeFileSync(
      join(app, 'main.mjs'),
      [
        "import { tensor, serialize, deserialize, IOError } from 'tapegrad';",
        "import { save, load } from 'tapegrad/node';",
        "save({ w: tensor([1, 2]) }, 'w.safetensors');",
        "console.log(load('w.safetensors').w.toString(), deserialize(serialize({ v: tensor([3]) })).v.toString());",
        "try { load('missing.safetensors'); } catch (e) { console.log(e instanceof IOError, e.message); }",
      ].join('\n'),
    );
    expect(node(app, 'main.mjs')).toBe(
      "tensor([1., 2.]) tensor([3.])\ntrue load: No such file or directory: 'missing.safetensors'\n",
    );
    typecheck(app, 'quickstart.ts');
  });

  it('installs into a CommonJS project (npm init -y): require() and a .ts file under tsx work', () => {
    const app = project('cjs', (dir) => run(dir, 'npm', ['init', '-y']));
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { type?: string };
    expect(pkg.type ?? 'commonjs').toBe('commonjs');
    writeFileSync(
      join(app, 'main.js'),
      [
        "const { tensor, getNumThreads } = require('tapegrad');",
        "const { save, load } = require('tapegrad/node');",
        'const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });',
        'x.mul(x).sum().backward();',
        "save({ g: x.grad }, 'g.safetensors');",
        "console.log(load('g.safetensors').g.toString(), getNumThreads() >= 1);",
      ].join('\n'),
    );
    expect(node(app, 'main.js')).toBe('tensor([[2., 4.],\n        [6., 8.]]) true\n');
    writeFileSync(join(app, 'quickstart.ts'), quickstart);
    expect(node(app, tsx, 'quickstart.ts')).toBe(quickstartOutput);
    typecheck(app, 'quickstart.ts');
  });

  it('bundles with esbuild (default options, platform browser), and the bundle runs', () => {
    const app = join(work, 'esm');
    writeFileSync(join(app, 'bundle-me.ts'), quickstart);
    const sizes: Record<string, number> = {};
    for (const [name, extra] of [
      ['plain', []],
      ['minified', ['--minify']],
      ['minified, no tree shaking', ['--minify', '--tree-shaking=false']],
    ] as const) {
      const out = `out-${name.replace(/\W+/g, '-')}.js`;
      run(app, esbuild, [
        'bundle-me.ts',
        '--bundle',
        '--format=esm',
        '--platform=browser',
        `--outfile=${out}`,
        '--log-level=error',
        ...extra,
      ]);
      sizes[name] = statSync(join(app, out)).size;
      // The browser bundle runs in Node too (its platform layer finds Node there).
      writeFileSync(join(app, `${out}.mjs`), readFileSync(join(app, out)));
      expect(node(app, `${out}.mjs`)).toBe(quickstartOutput);
    }
    console.info(
      `quick start bundled by esbuild: ${Object.entries(sizes)
        .map(([k, v]) => `${k} ${(v / 1024).toFixed(1)} KiB`)
        .join(', ')}`,
    );
    expect(sizes['minified']).toBeLessThan(sizes['minified, no tree shaking']);
  });

  it('keeps what training needs when tree-shaken ("sideEffects": false): bundled equals unbundled', () => {
    const app = join(work, 'esm');
    writeFileSync(
      join(app, 'train.ts'),
      `
      import { data, deserialize, manualSeed, nn, noGrad, optim, randn, serialize, tensor, tidy } from 'tapegrad';
      manualSeed(0);
      const x = randn([256, 32]);
      const y = tensor(Int32Array.from({ length: 256 }, (_, i) => (i * 7) % 10));
      const net = () => new nn.Sequential(
        new nn.Linear(32, 64), new nn.BatchNorm1d(64), new nn.ReLU(), new nn.Linear(64, 10),
      );
      const model = net();
      const lossFn = new nn.CrossEntropyLoss();
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 1 });
      let last = 0;
      for (const [bx, by] of loader) {
        tidy(() => {
          opt.zeroGrad();
          const loss = lossFn.forward(model.forward(bx), by);
          loss.backward();
          opt.step();
          last = loss.item();
        });
      }
      const copy = net();
      copy.loadStateDict(deserialize(serialize(model.stateDict())));
      copy.eval();
      console.log(last, noGrad(() => copy.forward(x.narrow(0, 0, 2))).toString());
      `,
    );
    const unbundled = node(app, tsx, 'train.ts');
    expect(unbundled).toMatch(/^\d\.\d+ tensor\(\[\[/);
    run(app, esbuild, [
      'train.ts',
      '--bundle',
      '--format=esm',
      '--platform=browser',
      '--minify',
      '--outfile=train.bundle.mjs',
      '--log-level=error',
    ]);
    expect(node(app, 'train.bundle.mjs')).toBe(unbundled);
  });

  it('bundles with Vite (vite build, no config, no plugins)', () => {
    const app = project('vite', (dir) => {
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'vite-app', private: true, type: 'module' }),
      );
      writeFileSync(
        join(dir, 'index.html'),
        '<!doctype html><script type="module" src="./main.ts"></script>\n',
      );
      writeFileSync(join(dir, 'main.ts'), quickstart);
    });
    const out = run(app, process.execPath, [vite, 'build', '--logLevel', 'error']);
    expect(out).not.toMatch(/error/i);
    const assets = readdirSync(join(app, 'dist', 'assets')).filter((f) => f.endsWith('.js'));
    expect(assets).toHaveLength(1);
    const js = readFileSync(join(app, 'dist', 'assets', assets[0]), 'utf8');
    expect(js).toContain('MeanBackward0');
    expect(js).not.toMatch(/\bfrom\s*["']node:/);
  });
});

/** tsc finds the package's types from `file` in `dir` (ESM or CommonJS, by the project). */
function typecheck(dir: string, file: string): void {
  run(dir, process.execPath, [
    tsc,
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--types',
    'node',
    '--typeRoots',
    join(repo, 'node_modules', '@types'),
    file,
  ]);
}

// ---- README's PyTorch hand-over ---------------------------------------------------------------

const python = '/usr/bin/python3';
const has = (module: string): boolean =>
  spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const hasNumpy = has('numpy');
const hasTorch = hasNumpy && has('torch');
const hasSafetensors = hasTorch && has('safetensors');
const recipe = blocks('### Hand the weights to PyTorch').filter((b) => b.lang === 'python');

describe('README: hand the weights to PyTorch', () => {
  let app = '';
  beforeAll(() => {
    app = join(work, 'esm');
    // The README network, with running statistics moved off their initial values, saved as
    // mlp.safetensors, with an input and tapegrad's eval output on it.
    writeFileSync(
      join(app, 'make-mlp.ts'),
      `
      import { writeFileSync } from 'node:fs';
      import { manualSeed, nn, noGrad, randn } from 'tapegrad';
      import { save } from 'tapegrad/node';
      manualSeed(0);
      const model = new nn.Sequential(
        new nn.Linear(784, 128), new nn.BatchNorm1d(128), new nn.ReLU(), new nn.Linear(128, 10),
      );
      noGrad(() => model.forward(randn([32, 784])));
      model.eval();
      const x = randn([4, 784]);
      const y = noGrad(() => model.forward(x));
      save(model.stateDict(), 'mlp.safetensors');
      const state = Object.fromEntries(
        Object.entries(model.stateDict()).map(([k, t]) => [k, { shape: t.shape, values: Array.from(t.data) }]),
      );
      writeFileSync('mlp.json', JSON.stringify({ x: x.toArray(), y: y.toArray(), state }));
      `,
    );
    node(app, tsx, 'make-mlp.ts');
  });

  /** Python that checks `state` (numpy arrays) against what tapegrad saved. */
  const checkState = `
import json as _json, numpy as _np
_want = _json.load(open("mlp.json"))
assert sorted(state) == sorted(_want["state"]), sorted(state)
for _k, _v in _want["state"].items():
    assert list(state[_k].shape) == _v["shape"], _k
    assert _np.array_equal(state[_k].reshape(-1), _np.array(_v["values"], dtype=state[_k].dtype)), _k
print("state ok")
`;
  /** Python that checks `model`'s eval output against tapegrad's. */
  const checkModel = `
import json as _json
_want = _json.load(open("mlp.json"))
model.eval()
with torch.no_grad():
    _y = model(torch.tensor(_want["x"], dtype=torch.float32))
_err = (_y - torch.tensor(_want["y"])).abs().max().item()
assert _err < 1e-4, _err
print("model ok")
`;
  const runPython = (code: string): string => run(app, python, ['-c', code]);

  it('has the two recipes: safetensors.torch.load_file, and the shipped reader', () => {
    expect(recipe).toHaveLength(2);
    expect(recipe[0].code).toContain('from safetensors.torch import load_file');
    expect(recipe[1].code).toContain('from tapegrad_safetensors import load_file, save_file');
    const shipped = readFileSync(join(repo, 'python', 'tapegrad_safetensors.py'), 'utf8');
    expect(shipped).toMatch(/^def load_file\(path\):/m);
    expect(shipped).toMatch(/^def save_file\(tensors, path, metadata=None\):/m);
  });

  it.skipIf(!hasNumpy)(
    'the shipped reader reads the file with NumPy alone (the recipe up to `import torch`)',
    () => {
      const numpyPart = recipe[1].code.slice(0, recipe[1].code.indexOf('import torch'));
      expect(numpyPart).toContain('state = load_file("mlp.safetensors")');
      expect(runPython(numpyPart + checkState)).toBe('state ok\n');
    },
  );

  it.skipIf(!hasTorch)(
    'the shipped reader hands the weights to PyTorch, and the file PyTorch writes back loads in tapegrad',
    () => {
      expect(runPython(recipe[1].code + checkState + checkModel)).toBe('state ok\nmodel ok\n');
      writeFileSync(
        join(app, 'check-back.ts'),
        `
        import { load } from 'tapegrad/node';
        const back = load('from_torch.safetensors');
        const mine = load('mlp.safetensors');
        const same = Object.keys(mine).every(
          (k) =>
            back[k].dtype === mine[k].dtype &&
            back[k].shape.join() === mine[k].shape.join() &&
            back[k].toArray().toString() === mine[k].toArray().toString(),
        );
        console.log(Object.keys(back).length === Object.keys(mine).length && same);
        `,
      );
      expect(node(app, tsx, 'check-back.ts')).toBe('true\n');
    },
  );

  it.skipIf(!hasSafetensors)(
    `safetensors.torch.load_file takes the file${hasSafetensors ? '' : ` (skipped: ${hasTorch ? 'the safetensors package is not installed' : 'no torch'} in ${python})`}`,
    () => {
      expect(
        runPython(
          `${recipe[0].code}\nstate = {k: v.numpy() for k, v in model.state_dict().items()}\n${checkState}${checkModel}`,
        ),
      ).toBe('state ok\nmodel ok\n');
    },
  );
});
