import type { GuestConfig } from '../../proxmox/guest-common';
import { permanent } from './classify';

/** Who a define step expects under its ID: `CT`/`VM`, the config key holding its name, that name. */
export interface ExpectedGuest {
  readonly label: 'CT' | 'VM';
  readonly id: number;
  readonly node: string;
  readonly nameKey: 'hostname' | 'name';
  readonly name: string;
}

/** A guest of another name under our ID is someone else's: never adopted, whatever path found it. */
export function refuseAnotherGuest(expected: ExpectedGuest, config: GuestConfig): void {
  const found = config[expected.nameKey];
  if (found !== undefined && found !== expected.name) {
    throw permanent(
      `${expected.label} ${expected.id} already exists on ${expected.node} with ${expected.nameKey} '${String(found)}', not '${expected.name}': ` +
        `refusing to adopt another guest; free the ID or change the config`,
    );
  }
}
