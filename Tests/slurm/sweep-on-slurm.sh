#!/usr/bin/env bash
# aimc's Slurm test: a sweep run on a real one-node Slurm cluster exactly as `aimc sweep
# --emit-slurm` writes it gives the table of a local run.
#   1. copy the built aimc (Swift runtime linked statically) into a project folder with its
#      config and Circuits/, and run a small sweep locally in another folder;
#   2. start a one-node cluster (one-node-cluster.sh start); in the project folder write the
#      scripts with `bin/aimc sweep … --emit-slurm 3 --slurm-time … --slurm-partition …`
#      (paths relative to the folder), then run the written submit.sh from another
#      directory, with a PATH and LD_LIBRARY_PATH that hold no Swift toolchain: it submits
#      the job array and the merge job with --dependency=afterok:<array id>;
#   3. wait for both; every array task and the merge job COMPLETED, the merge started after
#      the last task ended; the merged sweep.csv and table.txt equal the local run's, with a
#      manifest.json; both runs shared one trained network in the XDG cache folder;
#   4. stop the daemons (also on failure).
# Needs root (the cluster runs here) and a built .build/release/aimc (make test-slurm builds it).
# SLURM_CI_REUSE=1 submits to a cluster that is already up (sinfo shows an idle node) and
# leaves it running.
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

# The toolchain's folder (…/usr of the swift on PATH), which the jobs must not need.
TOOLCHAIN=$(dirname "$(dirname "$(readlink -f "$(command -v swift || echo /nonexistent/bin/swift)")")")
CLEAN_PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
case ":$CLEAN_PATH:" in *":$TOOLCHAIN/bin:"*) fail "the clean PATH holds the toolchain $TOOLCHAIN";; esac
if readelf -d "$AIMC" | grep -E 'RUNPATH|RPATH' | grep -qF "$TOOLCHAIN"; then fail "$AIMC has a run path into the toolchain $TOOLCHAIN"; fi
if ldd "$AIMC" | grep -qF "$TOOLCHAIN"; then ldd "$AIMC"; fail "$AIMC loads libraries from the toolchain $TOOLCHAIN"; fi
if ldd "$AIMC" | grep -q 'libswiftCore\|libFoundation'; then ldd "$AIMC"; fail "$AIMC links the Swift runtime dynamically"; fi
log "aimc needs no toolchain: $(ldd "$AIMC" | awk '{print $1}' | tr '\n' ' ')"

# A project folder: the binary, the config (relative output_dir) and the circuit library.
make_project() {  # dir
    mkdir -p "$1/bin"
    cp "$AIMC" "$1/bin/aimc"
    cp -r "$ROOT/Circuits" "$1/Circuits"
    cat > "$1/slurm-sweep.yaml" <<YAML
version: 1
experiment: slurm-sweep
seed: 11
output_dir: results
dataset: {train_limit: 2000, test_limit: 500}
network: {hidden: [32]}
training: {epochs: 1}
hardware:
  include: [presets/pcm-default.yaml]
evaluation: {t_inference: [1, 1d], repeats: 3, compensation: [none, global]}
YAML
}
ARGS=(--set hardware.adc.bits=5,7,9 --set device=pcm-joshi2020,ideal)
SWEEP_DIR=results/slurm-sweep/sweep-hardware.adc.bits+device   # named by the axes (SweepRunner.folderName)
# What the jobs see: no toolchain on PATH or LD_LIBRARY_PATH, the weights cache in an XDG folder.
CLEAN_ENV=(env -i PATH="$CLEAN_PATH" LD_LIBRARY_PATH= HOME="$WORK/home" XDG_CACHE_HOME="$WORK/xdg-cache" LANG=C.UTF-8)
mkdir -p "$WORK/home"

make_project "$WORK/local"
log "local run"
(cd "$WORK/local" && "${CLEAN_ENV[@]}" bin/aimc sweep slurm-sweep.yaml "${ARGS[@]}" --no-progress --no-plots > "$WORK/local.out")

make_project "$WORK/project"
if [ "${SLURM_CI_REUSE:-0}" = 1 ] && sinfo -h -o '%t' 2>/dev/null | grep -q idle; then
    log "using the Slurm cluster already running (SLURM_CI_REUSE=1): $(sinfo -h -o '%P %t %N' | tr '\n' ' ')"
else
    # Stop the daemons on every exit, before the work folder (which holds their pid files) goes.
    trap 'bash "$ROOT/Tests/slurm/one-node-cluster.sh" stop || true; [ "${KEEP_WORK:-1}" = 1 ] || rm -rf "$WORK"' EXIT
    bash "$ROOT/Tests/slurm/one-node-cluster.sh" start
fi
SUBMIT=$(cd "$WORK/project" && "${CLEAN_ENV[@]}" bin/aimc sweep slurm-sweep.yaml "${ARGS[@]}" --emit-slurm 3 \
    --slurm-time 00:10:00 --slurm-merge-time 5 --slurm-partition debug --slurm-cpus-per-task 1)
log "written: $SUBMIT"
grep -q -- '--dependency=afterok:' "$SUBMIT" || fail "submit.sh does not make the merge job depend on the array"
for f in sweep.sbatch merge.sbatch submit.sh; do
    if grep -v '^#' "$WORK/project/$SWEEP_DIR/$f" | grep -qF "$WORK"; then
        grep -nF "$WORK" "$WORK/project/$SWEEP_DIR/$f"; fail "$f holds an absolute path of the project folder"
    fi
done
grep -q '^#SBATCH --time=00:10:00$' "$WORK/project/$SWEEP_DIR/sweep.sbatch" || fail "sweep.sbatch lacks --time"
grep -q '^#SBATCH --partition=debug$' "$WORK/project/$SWEEP_DIR/sweep.sbatch" || fail "sweep.sbatch lacks --partition"
grep -q '^#SBATCH --time=5$' "$WORK/project/$SWEEP_DIR/merge.sbatch" || fail "merge.sbatch lacks its --time"
sed -n '/^#SBATCH/p' "$WORK/project/$SWEEP_DIR/sweep.sbatch" | sed 's/^/    /'

# Submitted from another directory (submit.sh changes to the project folder itself).
OUT=$(cd / && "${CLEAN_ENV[@]}" bash "$SUBMIT")
log "$OUT"
ARRAY=$(sed -n 's/^submitted job array \([0-9]*\) .*/\1/p' <<< "$OUT")
MERGE=$(sed -n 's/.* and merge job \([0-9]*\) .*/\1/p' <<< "$OUT")
[ -n "$ARRAY" ] && [ -n "$MERGE" ] || fail "submit.sh did not report the job ids"
log "merge job $MERGE: $(scontrol -o show job "$MERGE" | grep -o 'Dependency=[^ ]*')"
for i in $(seq 1 $((TIMEOUT * 5))); do
    [ -z "$(squeue -h -j "$ARRAY,$MERGE" 2>/dev/null || true)" ] && break
    sleep 0.2
done
[ -z "$(squeue -h -j "$ARRAY,$MERGE" 2>/dev/null || true)" ] || { squeue; fail "jobs $ARRAY, $MERGE still queued after ${TIMEOUT}s"; }
field() { grep -o "$1=[^ ]*" | cut -d= -f2; }
log "array tasks: $(scontrol -o show job "$ARRAY" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(ArrayTaskId|JobState|ExitCode)=/) printf "%s ", $i; printf "; "}')"
log "merge job:   $(scontrol -o show job "$MERGE" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|JobState|ExitCode|StartTime)=/) printf "%s ", $i}')"
if scontrol -o show job "$ARRAY" | grep -v 'JobState=COMPLETED' | grep -q .; then
    cat "$WORK/project/$SWEEP_DIR"/slurm-*.out 2>/dev/null || true
    fail "not every array task completed"
fi
if ! scontrol -o show job "$MERGE" | grep -q 'JobState=COMPLETED'; then
    cat "$WORK/project/$SWEEP_DIR"/slurm-merge-*.out 2>/dev/null || true
    fail "the merge job did not complete"
fi
LAST_END=$(scontrol -o show job "$ARRAY" | field EndTime | sort | tail -n 1)
MERGE_START=$(scontrol -o show job "$MERGE" | field StartTime)
[[ "$MERGE_START" > "$LAST_END" || "$MERGE_START" == "$LAST_END" ]] || fail "the merge job started ($MERGE_START) before the last array task ended ($LAST_END)"
for f in "$WORK/project/$SWEEP_DIR"/slurm-*_*.out; do log "$(basename "$f"): $(tail -n 1 "$f")"; done
log "merge job output:"
sed 's/^/    /' "$WORK/project/$SWEEP_DIR"/slurm-merge-*.out
for f in sweep.csv table.txt; do
    cmp "$WORK/local/$SWEEP_DIR/$f" "$WORK/project/$SWEEP_DIR/$f" || fail "$f of the Slurm run differs from the local run"
done
[ -f "$WORK/project/$SWEEP_DIR/manifest.json" ] || fail "the merge job wrote no manifest.json"
# One network trained for both runs, in the XDG cache folder, none under the results.
CACHED=$(ls "$WORK/xdg-cache/aimc/weights"/*.npz 2>/dev/null | wc -l)
[ "$CACHED" = 1 ] || { ls -la "$WORK/xdg-cache/aimc/weights" || true; fail "expected one network in \$XDG_CACHE_HOME/aimc/weights, found $CACHED"; }
[ ! -e "$WORK/local/results/weights-cache" ] && [ ! -e "$WORK/project/results/weights-cache" ] || fail "a weights-cache folder was written under results/"
log "PASS: job array ($(ls "$WORK/project/$SWEEP_DIR"/points-*.jsonl | wc -l) shards) and dependent merge job $MERGE on Slurm, without the Swift toolchain, gave the local run's table; one cached network shared"
KEEP_WORK=0  # removed by the EXIT trap after the daemons are stopped (kept after a failure)
[ "${SLURM_CI_REUSE:-0}" = 1 ] && rm -rf "$WORK"
echo "1 passed, 0 failed"
