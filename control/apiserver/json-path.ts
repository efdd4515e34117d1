// The JSONPath subset CRD printer columns and scale paths use:
// `.spec.replicas`, `.items[0].name`, `.status.conditions[?(@.type=="Ready")].status`,
// `.metadata.labels.app`. Results are every match, in order.

type Step = { key: string } | { index: number } | { filter: { key: string; value: string } } | { all: true };

function parse(path: string): Step[] | undefined {
  const steps: Step[] = [];
  let rest = path.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  while (rest.length) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([^.[]+)/.exec(rest))) steps.push({ key: m[1]! });
    else if ((m = /^\[(\d+)\]/.exec(rest))) steps.push({ index: Number(m[1]) });
    else if ((m = /^\[\*\]/.exec(rest))) steps.push({ all: true });
    else if ((m = /^\['([^']*)'\]/.exec(rest))) steps.push({ key: m[1]! });
    else if ((m = /^\[\?\(@\.([\w.-]+)\s*==\s*["']([^"']*)["']\)\]/.exec(rest))) steps.push({ filter: { key: m[1]!, value: m[2]! } });
    else return undefined;
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function field(node: unknown, key: string): unknown {
  return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
}

/** Every value `path` selects in `obj`; [] for no match or a path outside the subset. */
export function evaluateJsonPath(obj: unknown, path: string): unknown[] {
  const steps = parse(path);
  if (!steps) return [];
  let nodes: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if ('key' in step) {
        const v = field(node, step.key);
        if (v !== undefined) next.push(v);
      } else if ('index' in step) {
        if (Array.isArray(node) && step.index < node.length) next.push(node[step.index]);
      } else if ('all' in step) {
        if (Array.isArray(node)) next.push(...(node as unknown[]));
      } else if (Array.isArray(node)) {
        for (const item of node as unknown[]) {
          const v = step.filter.key.split('.').reduce<unknown>((n, k) => field(n, k), item);
          if (v !== undefined && String(v) === step.filter.value) next.push(item);
        }
      }
    }
    nodes = next;
  }
  return nodes;
}

/** The path's parent segments and last key, for writing (`.spec.replicas` → ['spec'], 'replicas'); undefined unless plain keys. */
export function writablePath(path: string): string[] | undefined {
  const steps = parse(path);
  if (!steps || steps.length === 0 || !steps.every((s) => 'key' in s)) return undefined;
  return steps.map((s) => (s as { key: string }).key);
}
