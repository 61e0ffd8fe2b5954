// UPIDs name a PVE task and the node it runs on:
//   UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>:
// Task status must be polled on *that* node, whatever node the request went to.

export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  /** `vzclone`, `qmstart`, ... */
  type: string;
  /** Guest id for guest tasks (for clones: the *source* vmid), or e.g. a template file name. */
  id: string;
  /** `root@pam` or `root@pam!token`. */
  user: string;
}

// pve-common PVE::UPID decoder, verbatim.
const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

export function parseUpid(upid: string): Upid {
  const m = UPID_RE.exec(upid);
  if (!m) throw new Error(`not a PVE task id (UPID): ${JSON.stringify(upid)}`);
  return {
    upid,
    node: m[1]!,
    pid: parseInt(m[3]!, 16),
    pstart: parseInt(m[4]!, 16),
    starttime: parseInt(m[5]!, 16),
    type: m[6]!,
    id: m[7]!,
    user: m[8]!,
  };
}

export function isUpid(value: unknown): value is string {
  return typeof value === 'string' && UPID_RE.test(value);
}
