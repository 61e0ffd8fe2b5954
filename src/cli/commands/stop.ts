/** `phoenix-client stop <ID...>`: stops the guests (a stopped or missing one is left alone). */
import { lifecycleVerbCommand } from '../runs/lifecycle-verbs';

export const stopCommand = lifecycleVerbCommand({
  verb: 'stop',
  summary: 'stop containers and VMs (already stopped: nothing to do)',
  about: ['Usage: phoenix-client stop <ID...> [--config-dir DIR] [--json]', '', 'Stops each guest if it is running.'],
});
