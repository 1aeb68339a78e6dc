// Assembles the WebAssembly kernels from their WAT source with wabt and writes them, base64
// encoded, into src/kernels/wasm/generated.ts, so the library needs no build step at run time.
// test/wasm.test.ts fails when the committed file is not what this script produces.
//
// Each .wat is first expanded (expand below), so that a kernel needed for float32 and float64
// storage is written once. The expansion knows three directives, all WAT line comments, and
// one substitution; a file without them (matmul.wat, sgd*.wat) is assembled as it is:
// - `;; @for T in f32 f64` … `;; @end`: the lines between, written out once per word after `in`,
//   with {{T}} replaced by that word; loops nest (`;; @for OP in add sub mul div` inside one);
// - `;; @f32 NAME = TEXT` and `;; @f64 NAME = TEXT`: what {{NAME}} stands for where T is f32 and
//   where it is f64. With parameters, `;; @f32 NAME(A, B) = TEXT`, {{NAME x y}} is TEXT with the
//   parenthesised expressions x and y for the words A and B; {{…}} expand innermost first, so x
//   and y may hold some. Definitions hold in the whole file;
// - `;; @f32` or `;; @f64` alone on a line: the lines after it, up to the next such line or
//   `;; @end`, are kept only where T is that type (for code that differs in kind, not only in
//   types and sizes).
// {{…}} is replaced inside loops only: text outside them, such as a header describing the
// syntax, is left as it is. Directive lines are dropped. The test's comparison of generated.ts
// with what this script produces therefore covers the expansion too.
//
// Besides NAME_WASM, two variants are derived from the expanded text, each only when it differs:
// - NAME_UNSHARED_WASM: the memory without `shared`, for hosts without SharedArrayBuffer;
// - NAME_RELAXED_WASM: every multiply-then-add of vectors, `(f32x4.add (local.get $c)
//   (f32x4.mul (local.get $x) (local.get $y)))`, as `f32x4.relaxed_madd` (relaxed SIMD), which
//   V8 compiles to one FMA where the CPU has it: one rounding instead of two, so within the same
//   error bounds. The source keeps the two-rounding form, which every host runs.
//
// Run: node scripts/build-wasm.mjs                (writes the file)
//      node scripts/build-wasm.mjs --check        (exit 1 when the file is stale)
//      node scripts/build-wasm.mjs --expand F.wat (prints src/kernels/wasm/F.wat expanded: the
//                                                 WAT that wabt assembles, whose lines its error
//                                                 messages number)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'kernels', 'wasm');
const target = path.join(dir, 'generated.ts');

// Both parsing and validation take the feature set (validation otherwise rejects shared memory).
const FEATURES = { simd: true, threads: true, relaxed_simd: true };

const MUL_ADD =
  /\(f32x4\.add \(local\.get (\$\w+)\) \(f32x4\.mul \(local\.get (\$\w+)\) \(local\.get (\$\w+)\)\)\)/g;

const FOR = /^\s*;; @for (\w+) in (.+)$/;
const DEFINE = /^\s*;; @(f32|f64) (\w+)(?:\(([\w, ]*)\))? =(.*)$/;
const ONLY = /^\s*;; @(f32|f64)\s*$/;
const END = /^\s*;; @end\s*$/;
const USE = /\{\{(\w+)([^{}]*)\}\}/; // innermost: no braces inside

/** The WAT of a source file: its loops, definitions and per-type lines expanded. */
export function expand(text) {
  const defs = { f32: {}, f64: {} };
  const root = { body: [] };
  const open = [root];
  for (const line of text.split('\n')) {
    const top = open.at(-1);
    let m;
    if ((m = DEFINE.exec(line))) {
      const params = m[3] ? m[3].split(',').map((p) => p.trim()) : [];
      defs[m[1]][m[2]] = { params, text: m[4].trim() };
    } else if ((m = FOR.exec(line))) {
      const loop = { name: m[1], values: m[2].trim().split(/\s+/), body: [] };
      top.body.push(loop);
      open.push(loop);
    } else if ((m = ONLY.exec(line))) {
      if (top.type) open.pop(); // `;; @f64` after `;; @f32 …` ends the f32 lines
      const only = { type: m[1], body: [] };
      open.at(-1).body.push(only);
      open.push(only);
    } else if (END.test(line)) {
      if (open.length === 1) throw new Error(';; @end without its ;; @for, @f32 or @f64');
      open.pop();
    } else {
      top.body.push(line);
    }
  }
  if (open.length !== 1) throw new Error(';; @for, @f32 or @f64 without its ;; @end');
  return render(root.body, {}, defs);
}

/** The text of nodes; each pass of a loop is substituted (text outside loops is left as is). */
function render(nodes, vars, defs) {
  const lines = [];
  for (const node of nodes) {
    if (typeof node === 'string') {
      lines.push(node);
    } else if (node.type) {
      if (!vars.T) throw new Error(`;; @${node.type} outside ;; @for T in …`);
      if (node.type === vars.T) lines.push(render(node.body, vars, defs));
    } else {
      for (const value of node.values) {
        const pass = { ...vars, [node.name]: value };
        lines.push(substitute(render(node.body, pass, defs), pass, defs));
      }
    }
  }
  return lines.join('\n');
}

function substitute(text, vars, defs) {
  for (let m; (m = USE.exec(text));) {
    const [use, name, argText] = m;
    let value;
    if (name in vars && !argText.trim()) {
      value = vars[name];
    } else {
      const def = defs[vars.T]?.[name];
      if (!def) throw new Error(`${use}: neither a loop variable nor defined for T = ${vars.T}`);
      const args = sexprs(argText, use);
      if (args.length !== def.params.length) {
        throw new Error(`${use}: ${name} takes ${def.params.length} arguments`);
      }
      value = def.text.replace(/\b[A-Z]\w*\b/g, (p) =>
        def.params.includes(p) ? args[def.params.indexOf(p)] : p,
      );
    }
    text = text.slice(0, m.index) + value + text.slice(m.index + use.length);
  }
  return text;
}

/** The top-level parenthesised expressions of text. */
function sexprs(text, use) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') {
      if (depth++ === 0) start = i;
    } else if (text[i] === ')') {
      if (--depth === 0) out.push(text.slice(start, i + 1));
    } else if (depth === 0 && /\S/.test(text[i])) {
      throw new Error(`${use}: arguments are parenthesised expressions`);
    }
  }
  if (depth !== 0) throw new Error(`${use}: unbalanced parentheses`);
  return out;
}

export async function generate() {
  const wabt = await wabtInit();
  const lines = [
    '// Generated by scripts/build-wasm.mjs from the .wat files beside it; do not edit.',
    '',
  ];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.wat'))
    .sort()) {
    const text = expand(fs.readFileSync(path.join(dir, file), 'utf8'));
    const name = `${path
      .basename(file, '.wat')
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '_')}`;
    const variants = [[name, text, '']];
    const unshared = text.replace(/(\(memory [^()]*) shared\)/, '$1)');
    if (unshared !== text) variants.push([`${name}_UNSHARED`, unshared, ', unshared memory']);
    const relaxed = text.replace(
      MUL_ADD,
      '(f32x4.relaxed_madd (local.get $2) (local.get $3) (local.get $1))',
    );
    if (relaxed !== text) variants.push([`${name}_RELAXED`, relaxed, ', relaxed_madd']);
    for (const [variant, source, kind] of variants) {
      let mod;
      try {
        mod = wabt.parseWat(file, source, FEATURES);
      } catch (e) {
        throw new Error(
          `${e.message}\n(line numbers of: node scripts/build-wasm.mjs --expand ${file})`,
        );
      }
      mod.validate(FEATURES);
      const { buffer } = mod.toBinary({});
      mod.destroy();
      lines.push(`/** ${file}, assembled (${buffer.length} bytes${kind}). */`);
      lines.push(`export const ${variant}_WASM =`);
      lines.push(`  '${Buffer.from(buffer).toString('base64')}';`);
    }
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const expandIndex = process.argv.indexOf('--expand');
  if (expandIndex > 0) {
    process.stdout.write(
      expand(fs.readFileSync(path.join(dir, process.argv[expandIndex + 1]), 'utf8')),
    );
  } else {
    const text = await generate();
    if (process.argv.includes('--check')) {
      const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
      if (current !== text) {
        console.error('src/kernels/wasm/generated.ts is stale: run node scripts/build-wasm.mjs');
        process.exit(1);
      }
    } else {
      fs.writeFileSync(target, text);
      console.log(`wrote ${path.relative(process.cwd(), target)}`);
    }
  }
}
