// The values the DNS chain passes around: a validated query and a reply.
// Plugins return a DnsReply instead of writing to a shared writer; the server
// encodes it once (or sends the cached bytes a plugin attached).

export const RR_TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  AXFR: 252,
  ANY: 255,
} as const;

export const RR_CLASS = { IN: 1, CH: 3, ANY: 255 } as const;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended (EDNS) rcode 16: upper 8 bits go in the OPT record. */
  BADVERS: 16,
} as const;

export interface Edns {
  /** Requestor's UDP payload size (clamped to at least 512). */
  udpSize: number;
  version: number;
  /** DNSSEC OK bit. */
  dnssecOk: boolean;
}

export interface DnsQuery {
  id: number;
  /** Lower-cased, without the trailing dot ('' for the root). */
  name: string;
  type: number;
  class: number;
  recursionDesired: boolean;
  /** Present when the query carried an OPT record. */
  edns: Edns | undefined;
  transport: 'udp' | 'tcp';
  /** The question section exactly as received (keeps the client's letter case). */
  questionBytes: Buffer;
  /** The whole query as received (forwarding relays it). */
  raw: Buffer;
}

interface RecordBase {
  /** Owner name without trailing dot. */
  name: string;
  ttl: number;
}

export type DnsRecord =
  | (RecordBase & { type: typeof RR_TYPE.A; address: string })
  | (RecordBase & { type: typeof RR_TYPE.CNAME | typeof RR_TYPE.PTR | typeof RR_TYPE.NS; target: string })
  | (RecordBase & { type: typeof RR_TYPE.TXT; text: string })
  | (RecordBase & { type: typeof RR_TYPE.SRV; priority: number; weight: number; port: number; target: string })
  | (RecordBase & {
      type: typeof RR_TYPE.SOA;
      primary: string;
      admin: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    });

export interface DnsReply {
  rcode: number;
  authoritative: boolean;
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  /**
   * A complete encoded message for this query (any ID): the server patches
   * ID, RD and the question's letter case and sends it as is.
   */
  wire?: Buffer;
  /** How long a cache may keep this reply, in seconds (0 = do not cache). */
  cacheTtl?: number;
  /**
   * Built only from catalog data: a cache may keep it until the catalog
   * changes, whatever cacheTtl says.
   */
  cacheUntilChange?: boolean;
}

/** The next handler in the chain. */
export type NextHandler = (query: DnsQuery) => Promise<DnsReply>;

export interface DnsPlugin {
  readonly name: string;
  serve(query: DnsQuery, next: NextHandler): Promise<DnsReply>;
  close?(): Promise<void>;
}

export function emptyReply(rcode: number, authoritative = false): DnsReply {
  return { rcode, authoritative, answers: [], authority: [], additional: [] };
}
