// Field paths as Kubernetes prints them for custom resources: `spec.ports[0].name`,
// and a map key that is not a plain identifier in brackets (`spec.labels[a.b/c]`).

export function childField(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
