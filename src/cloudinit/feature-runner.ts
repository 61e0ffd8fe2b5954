/**
 * Where a VM keeps its Phoenix features, and the small runner that executes them in order.
 * The first boot's `runcmd` calls the runner; a later run of Phoenix calls it again through
 * the guest agent for the features that are not done (a fixed script, or a feature added
 * after the first boot). The runner leaves its state in files, so the worker reads progress
 * from the guest and never depends on a process it started itself.
 */

export const FEATURES_DIR = '/opt/phoenix/features';
export const RUNNER_PATH = '/opt/phoenix/run-features.sh';
export const FEATURE_STATE_DIR = '/var/lib/phoenix/features';
export const FEATURE_LOG_DIR = '/var/log/phoenix/features';
/** Holds the name of the feature that failed; removed when the features are run again. */
export const FAILED_MARKER = `${FEATURE_STATE_DIR}/failed`;
/** Holds the name of the feature running now. */
export const RUNNING_MARKER = `${FEATURE_STATE_DIR}/running`;

export const featureScriptPath = (name: string) => `${FEATURES_DIR}/${name}.sh`;
export const featureLogPath = (name: string) => `${FEATURE_LOG_DIR}/${name}.log`;
export const featureDoneMarker = (name: string) => `${FEATURE_STATE_DIR}/${name}.done`;

/**
 * run-features.sh NAME...: runs each feature not yet done, in order, each logging to its own
 * file; stops at the first failure and names it in the failed marker. Names are plain file
 * names (checked by the worker), passed as arguments, never interpolated into code.
 */
export const RUNNER_SCRIPT = `#!/bin/bash
# Phoenix feature runner (generated; the same on every VM).
set -u
state=${FEATURE_STATE_DIR}
logs=${FEATURE_LOG_DIR}
mkdir -p "$state" "$logs"
rm -f "$state/failed"
for name in "$@"; do
  if [ -e "$state/$name.done" ]; then continue; fi
  printf '%s\\n' "$name" > "$state/running"
  if /bin/bash "${FEATURES_DIR}/$name.sh" > "$logs/$name.log" 2>&1; then
    touch "$state/$name.done"
  else
    rc=$?
    printf '%s\\n' "$name" > "$state/failed"
    rm -f "$state/running"
    echo "phoenix: feature $name failed (exit $rc), see $logs/$name.log" >&2
    exit "$rc"
  fi
done
rm -f "$state/running"
exit 0
`;
