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

export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Network and broadcast addresses of a CIDR (as numbers), e.g. 10.0.0.150/24 → 10.0.0.0, 10.0.0.255. */
export function ipv4Subnet(cidr: Ipv4Cidr): { network: number; broadcast: number } {
  const size = 2 ** (32 - cidr.prefix);
  const network = Math.floor(ipv4ToNumber(cidr.address) / size) * size;
  return { network, broadcast: network + size - 1 };
}
