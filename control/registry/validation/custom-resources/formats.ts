// The string formats Kubernetes checks in CRD schemas (apiextensions'
// supported formats); an unknown format is not checked, as there.

const FORMATS: Record<string, (v: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  email: (v) => /^[^\s@]+@[^\s@]+$/.test(v),
  hostname: (v) => v.length <= 255 && v.split('.').every((l) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i.test(l)),
  ipv4: (v) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v),
  ipv6: (v) => v.includes(':') && /^[0-9a-f:.]+$/i.test(v),
  cidr: (v) => {
    const [ip, bits, extra] = v.split('/');
    return extra === undefined && bits !== undefined && /^\d{1,3}$/.test(bits) && (FORMATS['ipv4']!(ip ?? '') ? Number(bits) <= 32 : FORMATS['ipv6']!(ip ?? '') && Number(bits) <= 128);
  },
  uri: (v) => {
    try {
      return Boolean(new URL(v).protocol);
    } catch {
      return false;
    }
  },
  duration: (v) => /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(v),
};

/** True when `value` breaks a known `format`. */
export function formatError(format: string, value: string): boolean {
  const check = FORMATS[format];
  return check ? !check(value) : false;
}
