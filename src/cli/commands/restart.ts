/** `phoenix-client restart <ID...>`: stop (if running), then start. `start` still provisions/converges. */
import { lifecycleVerbCommand } from '../runs/lifecycle-verbs';

export const restartCommand = lifecycleVerbCommand({
  verb: 'restart',
  summary: 'stop and start containers and VMs (no provisioning; see start)',
  about: ['Usage: phoenix-client restart <ID...> [--config-dir DIR] [--json]', '', 'Stops each guest if it runs, then starts it.'],
});
