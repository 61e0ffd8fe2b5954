/**
 * Application scripts: which script under apps/ a container's `application_script` names
 * (the original's file names are accepted as aliases, so migrated configs keep working),
 * and the environment each gets from the container's config.
 */
import type { LxcGuest } from '../config';
import type { ScriptEnv } from '../shared/lxc-plan';

/** The original Phoenix's per-container script names → Phoenix's scripts. */
const ALIASES: Record<string, string> = {
  'phoenix_hypervisor_lxc_vllm.sh': 'vllm.sh',
  'phoenix_hypervisor_lxc_952.sh': 'qdrant.sh',
  'phoenix_hypervisor_lxc_955.sh': 'ollama.sh',
};

export function applicationScriptFile(name: string): string {
  return ALIASES[name] ?? name;
}

export type ApplicationKind = 'vllm' | 'qdrant' | 'ollama' | 'other' | 'none';

export function applicationKind(guest: LxcGuest): ApplicationKind {
  if (!guest.application_script) return 'none';
  const file = applicationScriptFile(guest.application_script);
  if (file === 'vllm.sh') return 'vllm';
  if (file === 'qdrant.sh') return 'qdrant';
  if (file === 'ollama.sh') return 'ollama';
  return 'other';
}

/** vLLM listens on `vllm_port`, else the container side of the first `ports` entry, else 8000. */
export function vllmPort(guest: LxcGuest): number {
  if (guest.vllm_port) return guest.vllm_port;
  const first = guest.ports[0];
  return first ? Number(first.split(':')[1]) : 8000;
}

export function applicationEnv(guest: LxcGuest): ScriptEnv {
  const env: ScriptEnv = {
    PHOENIX_CTID: String(guest.id),
    PHOENIX_HOSTNAME: guest.name,
    PHOENIX_PORTS: [...guest.ports],
  };
  if (applicationKind(guest) === 'vllm') {
    if (guest.vllm_model) env.PHOENIX_VLLM_MODEL = guest.vllm_model;
    if (guest.vllm_served_model_name) env.PHOENIX_VLLM_SERVED_MODEL_NAME = guest.vllm_served_model_name;
    env.PHOENIX_VLLM_PORT = String(vllmPort(guest));
    env.PHOENIX_VLLM_ARGS = [...(guest.vllm_args ?? [])];
  }
  return env;
}
