// Label selector parsing and matching (the Kubernetes selector grammar:
// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`).

import type { LabelSelector } from './kinds.ts';
import type { Labels } from './objects.ts';
import { ApiError } from './errors.ts';

export type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export function parseLabelSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*(,|$)/))) {
      out.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()).filter(Boolean) });
    } else if ((m = rest.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*(,|$)/))) {
      out.push({ key: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3]! });
    } else if ((m = rest.match(/^!\s*([\w./-]+)\s*(,|$)/))) {
      out.push({ key: m[1]!, op: 'notexists' });
    } else if ((m = rest.match(/^([\w./-]+)\s*(,|$)/))) {
      out.push({ key: m[1]!, op: 'exists' });
    } else {
      throw new ApiError('BadRequest', `unable to parse requirement: invalid label selector "${text}"`);
    }
    rest = rest.slice(m[0].length).trim();
  }
  return out;
}

export function matchesRequirements(labels: Labels | undefined, requirements: readonly Requirement[]): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/** Matches a structured selector; an empty selector matches everything. */
export function matchesSelector(labels: Labels | undefined, selector: LabelSelector | undefined): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key]!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Matches a plain map selector (Service.spec.selector): every pair must be present. */
export function matchesLabels(labels: Labels | undefined, selector: Labels | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

export function selectorToString(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
