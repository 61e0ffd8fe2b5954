import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import type { LedgerEntry } from './types';

/**
 * The record of everything that happened to the simulated host, in order.
 * Processes inside guests (installer stand-ins, cloud-init) run as separate OS
 * processes; they append JSON lines to `guestEventsFile` and the ledger merges
 * those lines in, in file order, whenever it is written or read.
 *
 * Guest event line: `{"kind":"installer.run","vmid":901,"node":"pve","time":"<ISO>", ...details}`
 * (anything besides kind/time/node/vmid becomes `details`; a `details` object is used as is).
 */
export interface LedgerFilter {
  /** Comma list of kinds; `lxc.*` matches every kind starting `lxc.`. */
  kind?: string;
  vmid?: number;
  /** Only entries with a larger seq. */
  since?: number;
}

export type LedgerFields = { node?: string; vmid?: number } & Record<string, unknown>;

export class Ledger {
  private entriesList: LedgerEntry[] = [];
  private guestOffset = 0;

  constructor(
    /** Where entries are persisted (`<stateDir>/ledger.jsonl`). */
    private readonly file: string,
    readonly guestEventsFile: string,
  ) {
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as LedgerEntry & { guestOffset?: number };
          if (typeof e.guestOffset === 'number') this.guestOffset = e.guestOffset;
          delete e.guestOffset;
          this.entriesList.push(e);
        } catch {
          // A torn last line from a crash is dropped, like a lost write.
        }
      }
    } else {
      writeFileSync(file, '');
    }
    if (!existsSync(guestEventsFile)) writeFileSync(guestEventsFile, '');
  }

  record(kind: string, fields: LedgerFields = {}, time = new Date()): LedgerEntry {
    this.ingestGuestEvents();
    return this.append(kind, fields, time);
  }

  entries(filter: LedgerFilter = {}): LedgerEntry[] {
    this.ingestGuestEvents();
    const kinds = filter.kind ? filter.kind.split(',').filter(Boolean) : [];
    return this.entriesList.filter(
      (e) =>
        (filter.since === undefined || e.seq > filter.since) &&
        (filter.vmid === undefined || e.vmid === filter.vmid) &&
        (kinds.length === 0 || kinds.some((k) => (k.endsWith('.*') ? e.kind.startsWith(k.slice(0, -1)) : e.kind === k))),
    );
  }

  reset(): void {
    this.entriesList = [];
    this.guestOffset = 0;
    writeFileSync(this.file, '');
    writeFileSync(this.guestEventsFile, '');
  }

  private append(kind: string, fields: LedgerFields, time: Date, guestOffset?: number): LedgerEntry {
    const { node, vmid, ...details } = fields;
    const entry: LedgerEntry = { seq: (this.entriesList.at(-1)?.seq ?? 0) + 1, time: time.toISOString(), kind, details };
    if (node !== undefined) entry.node = node;
    if (vmid !== undefined) entry.vmid = vmid;
    this.entriesList.push(entry);
    const persisted = guestOffset === undefined ? entry : { ...entry, guestOffset };
    appendFileSync(this.file, JSON.stringify(persisted) + '\n');
    return entry;
  }

  /** Reads whole lines appended since the last look; a partial last line waits for its newline. */
  private ingestGuestEvents(): void {
    let size: number;
    try {
      size = statSync(this.guestEventsFile).size;
    } catch {
      return;
    }
    if (size <= this.guestOffset) return;
    const fd = openSync(this.guestEventsFile, 'r');
    const buf = Buffer.alloc(size - this.guestOffset);
    try {
      readSync(fd, buf, 0, buf.length, this.guestOffset);
    } finally {
      closeSync(fd);
    }
    const lastNewline = buf.lastIndexOf(0x0a);
    if (lastNewline < 0) return;
    const text = buf.subarray(0, lastNewline + 1).toString('utf8');
    let offset = this.guestOffset;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      offset += Buffer.byteLength(line) + 1;
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        event = { kind: 'guest.invalid-event', line };
      }
      const { kind, time, node, vmid, details, ...rest } = event;
      const when = typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? new Date(time) : new Date();
      const fields: LedgerFields = {
        ...(details && typeof details === 'object' ? (details as Record<string, unknown>) : rest),
        source: 'guest',
      };
      if (typeof node === 'string') fields.node = node;
      if (typeof vmid === 'number' || (typeof vmid === 'string' && /^\d+$/.test(vmid))) fields.vmid = Number(vmid);
      this.guestOffset = offset;
      this.append(typeof kind === 'string' ? kind : 'guest.unknown', fields, when, offset);
    }
  }
}
