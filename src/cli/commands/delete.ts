/**
 * `phoenix-client delete <ID...> --yes`: stops and destroys the guests through the API. Without
 * --yes nothing happens (exit 2). A template whose clones still exist is refused; an ID already
 * gone is a no-op.
 */
import { UsageError } from '../errors';
import { lifecycleVerbCommand } from '../runs/lifecycle-verbs';

export const deleteCommand = lifecycleVerbCommand({
  verb: 'delete',
  summary: 'stop and destroy containers and VMs (needs --yes)',
  about: [
    'Usage: phoenix-client delete <ID...> --yes [--config-dir DIR] [--json]',
    '',
    'Stops each guest, then destroys it and its disks. Refuses a template whose clones still exist.',
    'An ID that is already gone is left alone. --yes is required: without it nothing is touched.',
  ],
  optionsHelp: ['  --yes              confirm the deletion'],
  options: { yes: { type: 'boolean', default: false } },
  check: (options, args) => {
    if (args.values['yes'] !== true) {
      throw new UsageError(`delete destroys ${options.ids.join(', ')} and their disks; add --yes to confirm`, 'delete');
    }
  },
});
