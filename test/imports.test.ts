/**
 * The op modules form no import cycle (binary.ts and reduce.ts once imported each other):
 * a cycle makes a module's exports undefined while the other one initialises, depending
 * on which is imported first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const OPS = join(import.meta.dirname, '..', 'src', 'ops');

/** Each module of src/ops and the src/ops modules it imports or re-exports (type-only imports excluded). */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of readdirSync(OPS).filter((n) => n.endsWith('.ts'))) {
    const src = readFileSync(join(OPS, f), 'utf8');
    const deps = [...src.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'\.\/([\w-]+)\.js'/gm)].map((m) => `${m[1]}.ts`);
    g.set(f, deps);
  }
  return g;
}

it('src/ops has no import cycle', () => {
  const g = graph();
  const cycles: string[] = [];
  const done = new Set<string>();
  const walk = (f: string, path: string[]): void => {
    if (path.includes(f)) return void cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
    if (done.has(f)) return;
    for (const d of g.get(f) ?? []) walk(d, [...path, f]);
    done.add(f);
  };
  for (const f of g.keys()) walk(f, []);
  expect(cycles).toEqual([]);
});
