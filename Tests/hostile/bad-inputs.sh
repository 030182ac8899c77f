#!/usr/bin/env bash
# The hostile-input corpus: a few hundred bad inputs (files from make_fixtures.py, flags,
# --set values) given to the built aimc. Each case must exit non-zero without a crash signal
# or timeout, print a first stderr line that names the problem (the case's expected
# substring), and leave no file behind (its working folder stays empty, the fixtures and
# output_dir are unchanged); and Ctrl-C at moments of aimc run and aimc sweep (section 8). Run
# by `make test` (make test-hostile); about 90 s on 2 cores.
#   bash Tests/hostile/bad-inputs.sh [path/to/aimc]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
AIMC=${1:-$ROOT/.build/release/aimc}
[ -x "$AIMC" ] || { echo "bad-inputs: $AIMC not built (run make build)"; exit 1; }
AIMC=$(cd "$(dirname "$AIMC")" && pwd)/$(basename "$AIMC")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FX=$WORK/fx
PY=${PYTHON:-/usr/bin/python3}; [ -x "$PY" ] || PY=python3
"$PY" "$ROOT/Tests/hostile/make_fixtures.py" "$FX" || { echo "bad-inputs: fixtures not generated (needs python3-numpy)"; exit 1; }
export AIMC_CIRCUITS_DIR=$ROOT/Circuits AIMC_MEMORY_LIMIT=256M AIMC_CACHE_DIR=$WORK/weights-cache
unset AIMC_EXECUTABLE
CFG=$ROOT/Experiments/fashion-mlp-pcm.yaml
HW=$ROOT/Circuits/presets/pcm-default.yaml
snapshot() { find "$FX" -printf '%p %s %T@\n' | sort; }
BASE=$(snapshot)
n=0; handled=0; crashes=0; failed=0; FAILURES=""

# check EXPECT ARGS…: one case.
check() {
    local expect=$1; shift
    n=$((n + 1))
    local dir=$WORK/case-$n
    mkdir "$dir"
    (cd "$dir" && exec timeout 60 "$AIMC" "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null)
    local rc=$? why=""
    local first
    first=$(head -n 1 "$WORK/err" | cut -c1-300)
    if [ $rc -eq 0 ]; then why="exit 0"
    elif [ $rc -eq 124 ]; then why="timeout"; crashes=$((crashes + 1))
    elif [ $rc -gt 128 ]; then why="signal $((rc - 128))"; crashes=$((crashes + 1))
    fi
    # EXPECT may name several substrings, separated by " && ".
    local part rest=$expect
    while [ -z "$why" ] && [ -n "$rest" ]; do
        part=${rest%% && *}
        if [ "$part" = "$rest" ]; then rest=""; else rest=${rest#* && }; fi
        grep -qiF -- "$part" <<< "$first" || why="first line lacks '$part'"
    done
    if [ -z "$why" ] && [ -n "$(ls -A "$dir")" ]; then why="left $(ls -A "$dir" | head -3 | tr '\n' ' ')"; fi
    local now
    now=$(snapshot)
    if [ -z "$why" ] && [ "$now" != "$BASE" ]; then why="changed the fixtures: $(diff <(echo "$BASE") <(echo "$now") | grep '^[<>]' | head -2 | tr '\n' ' ')"; fi
    BASE=$now
    rm -rf "$dir"
    if [ -z "$why" ]; then
        handled=$((handled + 1))
    else
        failed=$((failed + 1))
        FAILURES+="  case $n: aimc $* → rc $rc, $why; stderr: $first"$'\n'
    fi
}

# 1. YAML config files, through the experiment loader and the hardware loader.
for f in alias-bomb deep-flow deep-map deep-block huge-list long-list not-utf8 binary scalar list tabs dup-key unclosed \
         bad-anchor complex-key unknown-key bad-version include-missing include-self include-list-of-maps; do
    check "$f.yaml" config "$FX/$f.yaml"
    check "$f.yaml" mvm --config "$FX/$f.yaml" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output Y.npy
done
check "no-such" config "$FX/no-such.yaml"
check "fx" config "$FX"

# 2. --set values outside each key's type or range (aimc config: nothing runs).
for key in seed evaluation.repeats evaluation.batch_size evaluation.threads hardware.adc.bits hardware.dac.bits \
           hardware.tile.rows hardware.tile.columns training.epochs training.batch_size dataset.test_limit; do
    for v in -1 abc 1e999 "[1, 2]" "{a: 1}" 1.5; do check "$key" config "$CFG" --set "$key=$v"; done
done
for key in hardware.adc.range hardware.output_noise hardware.device.g_max hardware.ir_drop.tolerance training.learning_rate; do
    for v in -1 abc 1e999 "[1, 2]" "{a: 1}" nan; do check "$key" config "$CFG" --set "$key=$v"; done
done
for v in -1 abc "[]" "{a: 1}" "[1, -1]" "[1, nan]"; do check "evaluation.t_inference" config "$CFG" --set "evaluation.t_inference=$v"; done
for v in "[0]" "[-3]" "[1000000]" "abc" "{a: 1}"; do check "network.hidden" config "$CFG" --set "network.hidden=$v"; done
for v in bogus 1 "[none, bogus]"; do check "evaluation.compensation" config "$CFG" --set "evaluation.compensation=$v"; done
check "hardware.mapping.scheme" config "$CFG" --set hardware.mapping.scheme=bogus
check "hardware.adc.bitz" config "$CFG" --set hardware.adc.bitz=3
check "key=value" config "$CFG" --set novalue
check "key=value" config "$CFG" --set =3
check "nested more than 64" config "$CFG" --set "seed=$(printf '[%.0s' $(seq 100))"

# 3. aimc mvm: bad .npy weights and inputs, bad flags, outputs that would replace inputs.
mvm() { check "$1" mvm --config "$HW" --output Y.npy "${@:2}"; }
for f in "$FX"/W-*.npy; do
    b=$(basename "$f")
    [ "$b" = W-1e38.npy ] && continue  # finite and in range: a valid W
    mvm "$b" --weights "$f" --inputs "$FX/X.npy"
done
for f in X-empty X-nan X-int64 X-3d; do mvm "$f.npy" --weights "$FX/W.npy" --inputs "$FX/$f.npy"; done
mvm "missing.npy" --weights "$FX/missing.npy" --inputs "$FX/X.npy"
mvm "fx" --weights "$FX" --inputs "$FX/X.npy"
mvm "missing.npy" --weights "$FX/W.npy" --inputs "$FX/missing.npy"
mvm "/dev/zero" --weights /dev/zero --inputs "$FX/X.npy"
for v in -1 abc 1e400 inf nan -1d 5x; do mvm "--t-inference" --weights "$FX/W.npy" --inputs "$FX/X.npy" --t-inference "$v"; done
for v in 0 -1 2000000 abc; do mvm "--reads" --weights "$FX/W.npy" --inputs "$FX/X.npy" --reads "$v"; done
mvm "memory" --weights "$FX/W.npy" --inputs "$FX/X-big.npy" --reads 100000
for v in -1 0 nan; do mvm "--read-interval" --weights "$FX/W.npy" --inputs "$FX/X.npy" --reads 2 --read-interval "$v"; done
mvm "--read-interval" --weights "$FX/W.npy" --inputs "$FX/X.npy" --read-interval 1
for v in -1 abc 1.5 99999999999999999999999; do mvm "seed" --weights "$FX/W.npy" --inputs "$FX/X.npy" --seed "$v"; done
mvm "--compensation" --weights "$FX/W.npy" --inputs "$FX/X.npy" --compensation bogus
mvm "--calibration" --weights "$FX/W.npy" --inputs "$FX/X.npy" --calibration "$FX/X.npy"
mvm "adc.bits" --weights "$FX/W.npy" --inputs "$FX/X.npy" --set adc.bits=-1
mvm "tile.rows" --weights "$FX/W.npy" --inputs "$FX/X.npy" --set tile.rows=0
check "same file" mvm --config "$HW" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output "$FX/X.npy"
check "same file" mvm --config "$HW" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output "$FX/W.npy"
check "same file" mvm --config "$HW" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output "$FX/X-link.npy"
check "same file" mvm --config "$HW" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output "$FX/../fx/./W.npy"
check "same file" mvm --config "$HW" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output "$HW"
check "does not exist" mvm --config "$HW" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output "$FX/nowhere/Y.npy"
check "directory" mvm --config "$HW" --weights "$FX/W.npy" --inputs "$FX/X.npy" --output "$FX"
check "missing" mvm --config "$HW" --weights "$FX/W.npy" --output Y.npy

# 4. aimc ir-drop flags.
for a in "--tolerance 0" "--tolerance -1" "--tolerance 1" "--tolerance nan" "--batch 0" "--batch -1" "--batch 1000000000" \
         "--rows 0" "--rows -5" "--rows 4611686018427387904" "--columns 0" "--rows 100000 --columns 100000" "--threads 0" \
         "--threads -1" "--threads 5000" "--g-min -1" "--g-max 0" "--wire-resistance -1" "--wire-resistance nan" \
         "--wire-resistance inf" "--read-voltage -1" "--read-voltage nan" "--seed -1" "--rows abc"; do
    # shellcheck disable=SC2086
    check "${a%% *}" ir-drop $a
done

# 5. aimc run and aimc sweep flags.
for v in -3 0 abc; do check "--repeats" run "$CFG" --repeats "$v"; done
for v in -1 abc; do check "seed" run "$CFG" --seed "$v"; done
check "no-such" run "$FX/no-such.yaml"
check "key=value" run "$CFG" --set garbage
for v in -1/2 3/2 1/0 abc 0/-1; do check "--shard" sweep "$CFG" --shard "$v"; done
for v in 0 -5 abc; do check "--emit-slurm" sweep "$CFG" --emit-slurm "$v"; done
check "device" sweep "$CFG" --set device=../presets/pcm-default,ideal
check "device" sweep "$CFG" --set device=/etc/passwd,ideal
check "device" sweep "$CFG" --set device=nonexistent,ideal
check "points" sweep "$CFG" --set hardware.adc.bits=0:99999:1 --set hardware.dac.bits=0:99999:1
check "range" sweep "$CFG" --set hardware.adc.bits=9:1:1
check "range" sweep "$CFG" --set hardware.adc.bits=1:9:0
check "empty value" sweep "$CFG" --set hardware.adc.bits=4,,8
check "linked" sweep "$CFG" --link hardware.adc.bits=4,6 --link hardware.dac.bits=4,6,8
check "hardware.adc.bits" sweep "$CFG" --set hardware.adc.bits=4,99
check "--repeats" sweep "$CFG" --repeats -1

# 6. aimc run on imported networks with bad weights or definitions, bad datasets, huge sizes.
for f in "$FX"/w-*.yaml; do
    w=$(sed -n 's/^  weights: //p' "$f")
    check "$(basename "$w")" run "$f" --quiet
done
for f in "$FX"/def-*.yaml; do
    d=$(sed -n 's/^  definition: //p' "$f")
    check "$(basename "$d")" run "$f" --quiet
done
check "0 samples" run "$FX/zero-test.yaml" --quiet
check "network.hidden" run "$FX/mlp-huge.yaml" --quiet
check "network.hidden" run "$FX/mlp-tiny-tiles.yaml" --quiet
check "is a file" run "$FX/results-is-file.yaml" --quiet
for f in "$FX"/idx-*.yaml; do check "$(basename "${f%.yaml}")" run "$f" --quiet; done

# 6b. Transformers: network.vit.* and network.placement.* mistakes, and an architecture file
#     whose attention heads do not divide its width.
VIT=$ROOT/Experiments/fashion-vit-pcm.yaml
MOE=$ROOT/Experiments/fashion-vit-moe-pcm.yaml
check "network.vit.heads = 5 must divide network.vit.dim = 64" run "$VIT" --quiet --set network.vit.heads=5
check "network.vit.attention_precision = fp8 && fp32, bf16, int8" run "$VIT" --quiet --set network.vit.attention_precision=fp8
check "network.vit.top_k applies only when network.vit.experts > 0" run "$VIT" --quiet --set network.vit.top_k=3
check "network.vit.top_k = 9 must be at most network.vit.experts = 8" run "$MOE" --quiet --set network.vit.top_k=9
check "network.vit.patch_size && must divide the image" run "$VIT" --quiet --set network.vit.patch_size=5
check "network.placement.attention applies only to a network with an attention layer" run "$CFG" --quiet --set network.placement.attention=digital
check "network.placement.experts_digital_fraction applies only to a network with a mixture-of-experts" run "$VIT" --quiet --set network.placement.experts_digital_fraction=0.5
mkdir -p "$WORK/arch"
printf 'input: [1, 28, 28]\nlayers:\n  - {type: conv2d, in_channels: 1, out_channels: 64, kernel_size: 7, stride: 7}\n  - {type: tokens}\n  - {type: attention, dim: 64, heads: 3}\n  - {type: token_pool}\n  - {type: linear, in_features: 64, out_features: 10}\n' > "$WORK/arch/att.yaml"
check "att.yaml && heads = 3 must divide dim = 64" run "$ROOT/Experiments/fashion-cnn-imported.yaml" --quiet --set network.definition="$WORK/arch/att.yaml"

# 7. Layer and files in aimc run's non-finite message; memory estimates of custom networks
#    (dense and convolutional) before they are built; sbatch options; a merge of a sweep that
#    has not run; result folders without a complete manifest; a key of another device model.
check "layer 2 (dense && overflow.npz, loaded && run-overflow.yaml" run "$FX/run-overflow.yaml" --quiet
check "network custom && largest matrix && needs about" run "$FX/mem-huge-linear.yaml" --quiet
check "network custom && input [1, 8, 8] && needs about" run "$FX/mem-conv-huge.yaml" --quiet
slurm() { check "$1" sweep "$CFG" --set hardware.adc.bits=4,6 --emit-slurm 2 "${@:2}"; }
slurm "--slurm-time && not a Slurm time limit" --slurm-time abc
slurm "--slurm-time && more than zero" --slurm-time 0
slurm "--slurm-time" --slurm-time "1:00:00; rm -rf /"
slurm "--slurm-merge-time" --slurm-merge-time 2h
slurm "--slurm-partition && not a Slurm name" --slurm-partition "a b"
slurm "--slurm-partition" --slurm-partition 'gpu;reboot'
slurm "--slurm-account && not a Slurm name" --slurm-account "a'b"
slurm "--slurm-mem && memory size" --slurm-mem 8GB
slurm "--slurm-mem" --slurm-mem -1
slurm "--slurm-cpus-per-task && 1…4096" --slurm-cpus-per-task 0
slurm "--slurm-cpus-per-task" --slurm-cpus-per-task 99999
slurm "--slurm-cpus-per-task" --slurm-cpus-per-task abc
check "apply only with --emit-slurm" sweep "$CFG" --set hardware.adc.bits=4,6 --slurm-time 10
check "sweep.slurm.cpu_per_task && did you mean 'cpus_per_task'" sweep "$FX/slurm-bad-key.yaml" --emit-slurm 2
check "sweep.slurm.time = '2h'" sweep "$FX/slurm-bad-time.yaml" --emit-slurm 2
check "sweep not complete" merge "$CFG" --set hardware.adc.bits=4,6
check "no manifest.json" plot "$FX/run-no-manifest"
check "analog.csv (53 bytes) is not the file manifest.json lists" plot "$FX/run-bad-manifest"
check "no manifest.json" plot "$FX/sweep-no-manifest"
# An RRAM device on a PCM config: a PCM key the user sets is named (the preset's inert PCM keys are only warned about).
check "hardware.device.pcm.drift.scale applies to device.model = pcm" run "$CFG" --set hardware.device.model=rram --set hardware.device.pcm.drift.scale=2
check "device=rram-neurram && hardware.device.pcm.drift.scale applies to device.model = pcm" sweep "$CFG" --set device=rram-neurram,ideal --set hardware.device.pcm.drift.scale=2

# 8. Ctrl-C (SIGINT) during loading, training (sgemm) and evaluation of aimc run, and before
#    and between the points of aimc sweep (each moment found from the command's progress, so
#    that a fast machine hits the same phase): each stops at a safe point, never inside a BLAS
#    call: exit 130 after "stopping at the next safe point", no crash or hang; a run writes no
#    results, a sweep keeps its finished points. Skipped without the Fashion-MNIST package.
interrupt() {  # WHEN DELAY EXPECT ARGS… (WHEN: start, err:TEXT or file:PATH in the case folder)
    local when=$1 delay=$2 expect=$3; shift 3
    n=$((n + 1))
    local dir=$WORK/case-$n why="" rc waited=0
    mkdir "$dir"
    (cd "$dir" && AIMC_CACHE_DIR=${INT_CACHE:-$dir/.cache} AIMC_MEMORY_LIMIT=4G exec "$AIMC" "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null) &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 1200 ]; do
        case $when in
            start) break ;;
            err:*) grep -qF -- "${when#err:}" "$WORK/err" 2>/dev/null && break ;;
            file:*) [ -s "$dir/${when#file:}" ] && break ;;
        esac
        sleep 0.1; waited=$((waited + 1))
    done
    sleep "$delay"
    kill -INT "$pid" 2>/dev/null
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 600 ]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; why="still running 60 s after SIGINT"; crashes=$((crashes + 1)); fi
    wait "$pid"; rc=$?
    if [ -z "$why" ]; then
        if [ $rc -gt 128 ] && [ $rc -ne 130 ]; then why="signal $((rc - 128))"; crashes=$((crashes + 1))
        elif [ $rc -ne 130 ]; then why="exit $rc (finished before the interrupt?)"
        elif ! grep -qF "stopping at the next safe point" "$WORK/err"; then why="no 'stopping at the next safe point' line"
        elif ! tail -n 1 "$WORK/err" | grep -qF -- "$expect"; then why="last line lacks '$expect'"
        fi
    fi
    if [ -z "$why" ] && [ "$1" = run ] && [ -e "$dir/results" ]; then why="an interrupted run wrote $(ls -A "$dir/results" | head -3 | tr '\n' ' ')"; fi
    if [ -z "$why" ] && [ "${when%%:*}" = file ] && [ ! -s "$dir/${when#file:}" ]; then why="the finished points were not kept"; fi
    rm -rf "$dir"
    if [ -z "$why" ]; then handled=$((handled + 1)); else
        failed=$((failed + 1))
        FAILURES+="  case $n: SIGINT ($when + ${delay}s) to aimc $* → rc $rc, $why; stderr: $(tail -n 2 "$WORK/err" | tr '\n' ' ' | cut -c1-300)"$'\n'
    fi
}
if [ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || [ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte ]; then
    set -m  # job control: a background command does not start with SIGINT ignored
    RUN=(run "$CFG" --set dataset.train_limit=20000 --set training.epochs=6 --set evaluation.repeats=8)
    STOPPED="no results were written"
    interrupt start 0.1 "$STOPPED" "${RUN[@]}"                   # loading the data
    for d in 0.2 0.8 1.5; do interrupt "err:training:" "$d" "$STOPPED" "${RUN[@]}"; done
    INT_CACHE=$WORK/interrupt-cache  # trained once (by the first), then evaluation starts at once
    for d in 0.1 0.5 1 1.5; do interrupt "err:analog:" "$d" "$STOPPED" "${RUN[@]}"; done
    unset INT_CACHE
    SWEEP=(sweep "$CFG" --set dataset.train_limit=5000 --set training.epochs=1 --set hardware.adc.bits=4,5,6,7,8,9 --no-progress --no-plots)
    interrupt start 0.5 "finished points are kept" "${SWEEP[@]}"
    for d in 0.1 1; do interrupt file:results/fashion-mlp-pcm/sweep-hardware.adc.bits/points.jsonl "$d" "finished points are kept" "${SWEEP[@]}"; done
    set +m
else
    echo "bad-inputs: Fashion-MNIST not installed (dataset-fashion-mnist): the Ctrl-C cases are skipped"
fi

echo "bad-inputs: $n cases, $handled handled, $crashes crashes or timeouts, $failed failed"
if [ "$failed" -gt 0 ]; then printf '%s' "$FAILURES"; exit 1; fi
