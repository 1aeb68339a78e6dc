/**
 * README's quick start is the file `npm run demo` runs, and it prints what README says it prints.
 */
import { readFileSync } from 'node:fs';
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
