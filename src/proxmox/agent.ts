// QEMU guest agent: /nodes/{node}/qemu/{vmid}/agent/...
// Every call first asks the agent for a ping (3 s); "not running" simply means "not yet"
// while a VM boots, which is what the named waits below poll through. The waits poll
// adaptively (pollDelayMs: tens of ms at first, backing off to 2 s): most agent commands end
// within a fraction of a second, and a fixed 1-2 s poll made each cost a whole interval.
import { isAgentNotReady, PveWaitTimeout } from './errors';
import { abortError } from '../shared/abort';
import { pollDelayMs } from '../shared/poll-delay';
import { sleep, type WaitOptions } from './poll';
import { apiPath, type PveHttp } from './transport';

export interface AgentInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: Array<{ 'ip-address': string; 'ip-address-type': 'ipv4' | 'ipv6'; prefix: number }>;
}

export interface AgentExecStatus {
  exited: 0 | 1;
  exitcode?: number;
  signal?: number;
  'out-data'?: string;
  'err-data'?: string;
  'out-truncated'?: 1;
  'err-truncated'?: 1;
}

/** First global unicast IPv4 of the guest (not loopback or link-local), if any. */
export function firstGlobalIpv4(ifaces: AgentInterface[]): string | undefined {
  for (const i of ifaces) {
    for (const a of i['ip-addresses'] ?? []) {
      if (a['ip-address-type'] === 'ipv4' && !/^(127\.|169\.254\.)/.test(a['ip-address'])) return a['ip-address'];
    }
  }
  return undefined;
}

export function createAgentClient(http: PveHttp) {
  function agent(node: string, vmid: number) {
    const path = (...rest: string[]) => apiPath('nodes', node, 'qemu', vmid, 'agent', ...rest);
    const label = `VM ${vmid} on ${node}`;

    const ping = () => http.post<unknown>(path('ping'));
    const networkGetInterfaces = async () => (await http.get<{ result: AgentInterface[] }>(path('network-get-interfaces'))).result;
    /** Runs argv in the guest (no shell); returns the guest pid. */
    const exec = async (command: readonly string[], inputData?: string) =>
      (await http.post<{ pid: number }>(path('exec'), { command: [...command], 'input-data': inputData })).pid;
    const execStatus = (pid: number) => http.get<AgentExecStatus>(path('exec-status'), { pid });

    async function poll<T>(what: string, attempt: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
      const started = Date.now();
      for (let polls = 1; ; polls++) {
        if (opts.signal?.aborted) throw abortError(opts.signal);
        let state = 'waiting';
        try {
          const r = await attempt();
          if (r !== undefined) return r;
        } catch (err) {
          if (!isAgentNotReady(err)) throw err;
          state = 'agent not running';
        }
        opts.onProgress?.({ what, polls, elapsedMs: Date.now() - started, state });
        if (opts.deadline !== undefined && Date.now() > opts.deadline) {
          throw new PveWaitTimeout(`timed out waiting for ${what} of ${label} (is qemu-guest-agent installed and enabled in the guest?)`);
        }
        await sleep(opts.pollMs ?? pollDelayMs(polls), opts.signal);
      }
    }

    /** Until the agent answers a ping. */
    const waitForAgent = (opts: WaitOptions = {}) => poll('guest agent', async () => (await ping(), true), opts);

    /** Until the guest reports a global IPv4 address; returns it. */
    const waitForIpv4 = (opts: WaitOptions = {}) =>
      poll('an IPv4 address', async () => firstGlobalIpv4(await networkGetInterfaces()), opts);

    /** Runs argv and waits for it to exit. */
    async function execAndWait(command: readonly string[], opts: WaitOptions & { inputData?: string } = {}): Promise<AgentExecStatus> {
      const pid = await exec(command, opts.inputData);
      return poll(`\`${command[0]}\` in the guest`, async () => {
        const s = await execStatus(pid);
        return s.exited ? s : undefined;
      }, opts);
    }

    return { ping, networkGetInterfaces, exec, execStatus, waitForAgent, waitForIpv4, execAndWait };
  }
  return { agent };
}
