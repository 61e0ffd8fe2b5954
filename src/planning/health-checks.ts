/**
 * The health checks a container gets: the configured `health_check` command plus probes
 * that follow from its application (vLLM, Qdrant, Ollama), run from inside the container.
 * Commands are built from argv with shell quoting, so model names and ports from the config
 * arrive as literal words.
 */
import type { LxcGuest } from '../config';
import type { HealthCheck } from '../shared/lxc-plan';
import { shellJoin } from '../ssh/quote';
import { applicationKind, vllmPort } from './applications';

/** Model servers load weights before answering: give them minutes, not seconds. */
const MODEL_SERVER = { retries: 60, intervalSeconds: 10 };
const SERVICE = { retries: 30, intervalSeconds: 2 };

export function healthChecksFor(guest: LxcGuest): HealthCheck[] {
  const checks: HealthCheck[] = [];
  switch (applicationKind(guest)) {
    case 'vllm': {
      const port = vllmPort(guest);
      const base = `http://localhost:${port}`;
      checks.push({ name: 'vllm-health', command: shellJoin(['curl', '-sf', `${base}/health`]), ...MODEL_SERVER });
      const model = guest.vllm_served_model_name ?? guest.vllm_model ?? undefined;
      if (model) {
        const embedding = guest.vllm_model_type === 'embedding';
        const body = embedding
          ? { model, input: 'Phoenix health check.' }
          : { model, messages: [{ role: 'user', content: 'What is the capital of France?' }], max_tokens: 16 };
        const path = embedding ? '/v1/embeddings' : '/v1/chat/completions';
        checks.push({
          name: embedding ? 'vllm-test-embedding' : 'vllm-test-completion',
          command: shellJoin(['curl', '-sf', '-H', 'Content-Type: application/json', '-d', JSON.stringify(body), `${base}${path}`]),
          ...MODEL_SERVER,
        });
      }
      break;
    }
    case 'qdrant':
      checks.push({ name: 'qdrant-health', command: shellJoin(['curl', '-sf', 'http://localhost:6333/healthz']), ...SERVICE });
      break;
    case 'ollama':
      checks.push({ name: 'ollama-tags', command: shellJoin(['curl', '-sf', 'http://localhost:11434/api/tags']), ...SERVICE });
      break;
    default:
      break;
  }
  if (guest.health_check) {
    checks.push({
      name: 'configured',
      command: guest.health_check.command,
      retries: guest.health_check.retries,
      intervalSeconds: guest.health_check.interval,
    });
  }
  return checks;
}
