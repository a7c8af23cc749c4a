// Dependencies run one way: the contract and the pure core at the bottom, codecs and identity over them, the feeds
// (replay, live, simulator) over those, and the composition roots (cli, bench, demo) on top. Read off the source
// files' imports, so a wrong-way import or a cycle fails the suite, not a review.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const servicesDir = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** services-relative path -> the services-relative paths it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(servicesDir)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)]
      .map((match) => relative(servicesDir, resolve(dirname(file), match[1]!)).replace(/\.js$/, '.ts'));
    graph.set(relative(servicesDir, file), targets);
  }
  return graph;
}

const folderOf = (path: string): string => path.split('/')[0]!;
const isTestingCode = (path: string): boolean => path.split('/').includes('testing');

describe('dependencies', () => {
  const graph = importGraph();

  it('imports services/live only from live, bench and cli', () => {
    const wrong = [...graph].flatMap(([from, targets]) => targets.filter((to) => folderOf(to) === 'live' && !['live', 'bench', 'cli'].includes(folderOf(from))).map((to) => `${from} -> ${to}`));
    expect(wrong).toEqual([]);
  });

  it('imports services/replay from no core, codec, live or simulator file', () => {
    const wrong = [...graph].flatMap(([from, targets]) => targets.filter((to) => folderOf(to) === 'replay' && ['core', 'codec', 'live', 'simulator'].includes(folderOf(from))).map((to) => `${from} -> ${to}`));
    expect(wrong).toEqual([]);
  });

  it('keeps the core and the contract free of every other folder', () => {
    const wrong = [...graph].flatMap(([from, targets]) => targets.filter((to) => ['core', 'contract'].includes(folderOf(from)) && !isTestingCode(from) && !['core', 'contract'].includes(folderOf(to))).map((to) => `${from} -> ${to}`));
    expect(wrong).toEqual([]);
  });

  it('layers the live service: store, ops, kafka, then ingest, decide and publish, then its composition roots', () => {
    // A part may import its own folder, the shared primitives (errors, backoff), the settings (config) and any
    // part of a lower layer; ingest, decide and publish never import each other; nothing imports a composition root.
    const layer: Record<string, number> = { store: 1, ops: 2, kafka: 3, ingest: 4, decide: 4, publish: 4, export: 4 };
    const shared = new Set(['live/errors.ts', 'live/backoff.ts', 'live/config.ts']);
    const partOf = (path: string): string | undefined => (path.startsWith('live/') && path.split('/').length === 3 ? path.split('/')[1] : undefined);
    const wrong = [...graph].flatMap(([from, targets]) => {
      const fromPart = partOf(from);
      if (fromPart === undefined || from.endsWith('.test.ts')) return [];
      return targets
        .filter((to) => to.startsWith('live/') && !shared.has(to))
        .filter((to) => {
          const toPart = partOf(to);
          if (toPart === undefined) return true; // a composition root
          return toPart !== fromPart && !(layer[toPart]! < layer[fromPart]!);
        })
        .map((to) => `${from} -> ${to}`);
    });
    expect(Object.keys(layer).sort()).toEqual(readdirSync(join(servicesDir, 'live'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort());
    expect(wrong).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });
});

/** Strongly connected components of more than one file (Tarjan), each as its sorted files. */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}
