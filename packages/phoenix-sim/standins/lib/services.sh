# shellcheck shell=bash
# Simulated network services of a guest. A service is a file $SIM_STATE/services/<port>
# holding kind=, ready_at= (epoch ms) and model= lines; systemctl and docker write them,
# curl reads them. Nothing listens on a real socket.
SIM_SERVICES="$SIM_STATE/services"

sim_service_register() { # PORT KIND READY_AT_MS MODEL
  mkdir -p "$SIM_SERVICES"
  printf 'kind=%s\nready_at=%s\nmodel=%s\n' "$2" "$3" "$4" > "$SIM_SERVICES/$1"
}

sim_service_unregister_kind() { # KIND
  grep -lx "kind=$1" "$SIM_SERVICES"/* 2>/dev/null | xargs -r rm -f
}

# sim_service_answer PORT METHOD PATH: prints "<status>\n<body>"; returns 7 when nothing listens.
sim_service_answer() {
  local file="$SIM_SERVICES/$1" method=$2 path=${3%%\?*} kind ready_at model
  [[ -f $file ]] || return 7
  kind=$(sed -n 's/^kind=//p' "$file"); ready_at=$(sed -n 's/^ready_at=//p' "$file"); model=$(sed -n 's/^model=//p' "$file")
  (( $(sim_epoch_ms) >= ready_at )) || return 7
  case "$kind:$path" in
    vllm:/health) printf '200\n' ;;
    vllm:/v1/models) printf '200\n{"object":"list","data":[{"id":"%s","object":"model","owned_by":"vllm"}]}\n' "$model" ;;
    vllm:/v1/chat/completions)
      printf '200\n{"id":"chatcmpl-sim","object":"chat.completion","model":"%s","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"stop"}]}\n' "$model" ;;
    vllm:/v1/completions) printf '200\n{"id":"cmpl-sim","object":"text_completion","model":"%s","choices":[{"index":0,"text":"Paris."}]}\n' "$model" ;;
    vllm:/v1/embeddings) printf '200\n{"object":"list","model":"%s","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]}]}\n' "$model" ;;
    ollama:/|ollama:) printf '200\nOllama is running\n' ;;
    ollama:/api/tags) printf '200\n{"models":[]}\n' ;;
    ollama:/api/version) printf '200\n{"version":"0.5.7"}\n' ;;
    qdrant:/|qdrant:) printf '200\n{"title":"qdrant - vector search engine","version":"1.13.0"}\n' ;;
    qdrant:/healthz|qdrant:/livez|qdrant:/readyz) printf '200\nhealthz check passed\n' ;;
    qdrant:/collections) printf '200\n{"result":{"collections":[]},"status":"ok","time":0.0}\n' ;;
    nginx:*) printf '200\n<html><body><h1>Welcome to nginx!</h1></body></html>\n' ;;
    http:*) printf '200\nOK\n' ;;
    *) printf '404\n{"detail":"Not Found"}\n' ;;
  esac
  : "$method"
}
