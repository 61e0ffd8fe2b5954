/** IPv4 parsing without Node's `net` module, so it stays usable in workflow bundles. */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isIpv4(value: string): boolean {
  return IPV4_RE.test(value);
}

export interface Ipv4Cidr {
  readonly address: string;
  readonly prefix: number;
}

/** `10.0.0.150/24` → `{ address: '10.0.0.150', prefix: 24 }`; undefined when malformed. */
export function parseIpv4Cidr(value: string): Ipv4Cidr | undefined {
  const match = /^([^/]+)\/([0-9]{1,2})$/.exec(value);
  if (!match || !isIpv4(match[1]!)) return undefined;
  const prefix = Number(match[2]);
  if (prefix < 1 || prefix > 32) return undefined;
  return { address: match[1]!, prefix };
}
