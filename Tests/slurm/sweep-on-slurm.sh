#!/usr/bin/env bash
# aimc's Slurm test: a sweep split into a job array on a real one-node Slurm cluster
# gives exactly the table of a local run.
#   1. run a small sweep locally (aimc sweep);
#   2. start a one-node cluster (one-node-cluster.sh start), write the sbatch script with
#      `aimc sweep --emit-slurm 3`, submit it, wait for the array, check every task's exit code;
#   3. `aimc merge` the shards and compare sweep.csv and table.txt with the local run;
#   4. stop the daemons (also on failure).
# Needs root (the cluster runs here) and a built .build/release/aimc (make test-slurm builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
AIMC=$ROOT/.build/release/aimc
[ -x "$AIMC" ] || { echo "sweep-on-slurm: $AIMC not built (run make build)"; exit 1; }
WORK=$(mktemp -d /tmp/aimc-slurm.XXXXXX)
chmod 755 "$WORK"
export SLURM_CI_DIR=$WORK/cluster
TIMEOUT=${SLURM_CI_TIMEOUT:-300}
log() { echo "[sweep-on-slurm] $*"; }
fail() { log "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }

make_config() {  # dir
    mkdir -p "$1"
    cat > "$1/slurm-sweep.yaml" <<YAML
version: 1
experiment: slurm-sweep
seed: 11
output_dir: $1/results
dataset: {train_limit: 2000, test_limit: 500}
network: {hidden: [32]}
training: {epochs: 1}
hardware:
  include: [presets/pcm-default.yaml]
evaluation: {t_inference: [1, 1d], repeats: 3, compensation: [none, global]}
YAML
}
ARGS=(--set hardware.adc.bits=5,7,9 --set device=pcm-joshi2020,ideal)
SWEEP_DIR=sweep-hardware.adc.bits+device   # named by the axes (SweepRunner.folderName)
export AIMC_CIRCUITS_DIR=$ROOT/Circuits

make_config "$WORK/local"
log "local run"
"$AIMC" sweep "$WORK/local/slurm-sweep.yaml" "${ARGS[@]}" --no-progress > "$WORK/local.out"

make_config "$WORK/cluster-run"
trap 'bash "$ROOT/Tests/slurm/one-node-cluster.sh" stop || true' EXIT
bash "$ROOT/Tests/slurm/one-node-cluster.sh" start
SCRIPT=$(AIMC_EXECUTABLE=$AIMC "$AIMC" sweep "$WORK/cluster-run/slurm-sweep.yaml" "${ARGS[@]}" --emit-slurm 3)
log "sbatch script: $SCRIPT"
JOB=$(sbatch --parsable --export=ALL "$SCRIPT")
log "submitted job array $JOB"
for i in $(seq 1 $((TIMEOUT * 5))); do
    [ -z "$(squeue -h -j "$JOB" 2>/dev/null || true)" ] && break
    sleep 0.2
done
[ -z "$(squeue -h -j "$JOB" 2>/dev/null || true)" ] || { squeue; fail "job array $JOB still queued after ${TIMEOUT}s"; }
STATES=$(scontrol -o show job "$JOB" | grep -o 'JobState=[A-Z]* .*ExitCode=[0-9:]*' | sed 's/ .* / /' || true)
log "array tasks: $(echo "$STATES" | tr '\n' ';')"
BAD=$(scontrol -o show job "$JOB" | grep -v 'JobState=COMPLETED' || true)
if [ -n "$BAD" ]; then
    cat "$WORK"/cluster-run/results/slurm-sweep/$SWEEP_DIR/slurm-*.out 2>/dev/null || true
    fail "not every array task completed"
fi
for f in "$WORK"/cluster-run/results/slurm-sweep/$SWEEP_DIR/slurm-*.out; do log "$(basename "$f"): $(tail -n 1 "$f")"; done
"$AIMC" merge "$WORK/cluster-run/slurm-sweep.yaml" "${ARGS[@]}" > "$WORK/merged.out"
cat "$WORK/merged.out"
for f in sweep.csv table.txt; do
    cmp "$WORK/local/results/slurm-sweep/$SWEEP_DIR/$f" "$WORK/cluster-run/results/slurm-sweep/$SWEEP_DIR/$f" \
        || fail "$f of the Slurm run differs from the local run"
done
log "PASS: the Slurm job array ($(ls "$WORK"/cluster-run/results/slurm-sweep/$SWEEP_DIR/points-*.jsonl | wc -l) shards) merged into the local run's table"
rm -rf "$WORK"
echo "1 passed, 0 failed"
