/**
 * README's quick start is the file `npm run quickstart` runs, and it prints what README says it prints.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Quick start'));
const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)];

describe('the README quick start', () => {
  it('is examples/quickstart.ts with the package name as import path', () => {
    const example = readFileSync(new URL('../examples/quickstart.ts', import.meta.url), 'utf8');
    expect(blocks[0][1]).toBe('ts');
    expect(blocks[0][2]).toBe(example.replace("'../src/index.js'", "'tapegrad'"));
  });

  it('prints the output README shows', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((s: unknown) => {
      lines.push(String(s));
    });
    try {
      await import('../examples/quickstart.js');
    } finally {
      spy.mockRestore();
    }
    expect(`${lines.join('\n')}\n`).toBe(blocks[1][2]);
  });
});

describe('the README training example', () => {
  const train = readme.slice(readme.indexOf('## Train a network'));
  const [code] = [...train.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('is examples/train-mlp.ts with the package name as import path', () => {
    const example = readFileSync(new URL('../examples/train-mlp.ts', import.meta.url), 'utf8');
    expect(code).toBe(
      example
        .replace("'../src/index.js'", "'tapegrad'")
        .replace("'../src/node.js'", "'tapegrad/node'"),
    );
  });

  it('trains on the real digits and writes a safetensors file that loads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-train-'));
    try {
      const script = fileURLToPath(new URL('../examples/train-mlp.ts', import.meta.url));
      const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
      const out = execFileSync(process.execPath, [tsx, script], { cwd: dir, encoding: 'utf8' });
      const accuracies = [...out.matchAll(/test accuracy ([\d.]+)%/g)].map((m) => Number(m[1]));
      expect(accuracies).toHaveLength(2);
      expect(Math.min(...accuracies)).toBeGreaterThan(85);
      const { load } = await import('../src/node.js');
      const state = load(join(dir, 'mlp.safetensors'));
      expect(Object.keys(state).sort()).toEqual(
        [
          '0.bias',
          '0.weight',
          '1.bias',
          '1.num_batches_tracked',
          '1.running_mean',
          '1.running_var',
          '1.weight',
          '3.bias',
          '3.weight',
        ].sort(),
      );
      expect(state['0.weight'].shape).toEqual([128, 784]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
