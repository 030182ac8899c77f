#!/usr/bin/env bash
# The hostile-input corpus: a few hundred bad inputs (files from make_fixtures.py, flags,
# --set values) given to the built aimc. Each case must exit non-zero without a crash signal
# or timeout, print a first stderr line that names the problem (the case's expected
# substring), and leave no file behind (its working folder stays empty, the fixtures and
# output_dir are unchanged). Run by `make test` (make test-hostile); about 30 s on 2 cores.
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
export AIMC_CIRCUITS_DIR=$ROOT/Circuits AIMC_MEMORY_LIMIT=256M
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
    if [ -z "$why" ] && ! grep -qiF -- "$expect" <<< "$first"; then why="first line lacks '$expect'"; fi
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

echo "bad-inputs: $n cases, $handled handled, $crashes crashes or timeouts, $failed failed"
if [ "$failed" -gt 0 ]; then printf '%s' "$FAILURES"; exit 1; fi
