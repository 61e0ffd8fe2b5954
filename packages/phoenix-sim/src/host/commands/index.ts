import type { HostCommand } from '../../ssh/command-io';
import { ACCOUNT_COMMANDS } from './accounts';
import { STORAGE_COMMANDS } from './storage';
import { SYSTEM_COMMANDS } from './system';

/** The commands of the host machine model, added to the SSH dispatcher's table. */
export const MACHINE_COMMANDS: Record<string, HostCommand> = { ...STORAGE_COMMANDS, ...SYSTEM_COMMANDS, ...ACCOUNT_COMMANDS };
