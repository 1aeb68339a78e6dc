/**
 * `npm pack` produces a package that installs into an empty project and runs the README quick
 * start there, from the built `dist/` (ESM + .d.ts), with nothing else installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tapegrad-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('installs into an empty project and runs the README quick start', () => {
    const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--json'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [{ filename, files }] = JSON.parse(packed.slice(packed.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    const paths = files.map((f) => f.path);
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, filename)], {
      cwd: app,
      stdio: 'ignore',
    });
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start'));
    const [code, expected] = [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(code).toContain("from 'tapegrad'");
    writeFileSync(join(app, 'quickstart.ts'), code);
    const tsx = join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const out = execFileSync(process.execPath, [tsx, 'quickstart.ts'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(out).toBe(expected);
  });
});
