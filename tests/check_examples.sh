#!/bin/sh
# The examples run end to end.
#  - xor and regression train to a small loss: the "final loss:" line each
#    prints is compared with a threshold, once per kernel set the CPU runs;
#  - lr_experiments in its fast mode (--fast, a few seconds) on the synthetic
#    set and, when it is installed, on Fashion-MNIST: exit status 0, the
#    summary line, one CSV per run with its header, summary.csv and four
#    well-formed SVG plots (the claims are reported, not required);
#  - fashion_mnist without its data set: exit status 2 and a message naming
#    the directory and the install command;
#  - fashion_cnn (the small CNN) in its short mode (--quick: one epoch on
#    12000 images, test accuracy >= 75%) when Fashion-MNIST is installed,
#    and without its data set as fashion_mnist;
#  - checkpoint stopped part-way (--stop-after) in one process and resumed
#    (--resume) in another, once per kernel set: the resumed run's final
#    parameters equal an uninterrupted run's bit for bit;
#  - game_loop and robot_control in short runs: zero allocations in the loop,
#    the NaN refused (and, for the robot, the FP control register never
#    changed and the tracking error cut), the latency CSV and SVG written;
#  - cpp_app (include/descent.hpp) trains, saves, reloads: identical loss;
#  - tune_params converges, schedules writes its chart and table, version
#    prints its line.
# Environment: B (build dir), RUNNER (optional wrapper).
set -u
B=${B:-build}
status=0
check() { # example, threshold
    out=$("$B/examples/$1" 2>&1)
    rc=$?
    echo "$out"
    if [ $rc -ne 0 ]; then echo "FAIL $1: exit status $rc"; status=1; return; fi
    loss=$(echo "$out" | sed -n 's/^final loss: \([0-9.eE+-]*\).*/\1/p')
    if [ -z "$loss" ]; then echo "FAIL $1: no 'final loss:' line"; status=1; return; fi
    if awk -v l="$loss" -v t="$2" 'BEGIN { exit !(l < t) }'; then
        echo "PASS $1: final loss $loss < $2"
    else
        echo "FAIL $1: final loss $loss is not below $2"; status=1
    fi
}
isas=$(sh tests/kernel_sets.sh "$B")
for isa in $isas; do
    export DESCENT_ISA=$isa
    echo "== DESCENT_ISA=$isa"
    check xor 0.01
    check regression 0.01
done
unset DESCENT_ISA
OUT="$B/tests/check_examples"
rm -rf "$OUT"
fail() { echo "FAIL: $*"; status=1; }

check_demo() { # dir, extra args
    dir=$1; shift
    # shellcheck disable=SC2086
    ${RUNNER:-} "$B/examples/lr_experiments" --fast --out "$dir" "$@" > "$dir.log" 2>&1
    rc=$?
    cat "$dir.log"
    [ $rc -eq 0 ] || { fail "lr_experiments $* exited with $rc"; return; }
    grep -q "claims held" "$dir.log" || fail "lr_experiments $*: no summary line"
    n=0
    for f in "$dir"/[abcd]_*.csv; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        head -1 "$f" | grep -q '^step,epoch,seconds,lr,batch_loss,train_loss,val_loss$' ||
            fail "$f: bad header"
        [ "$(wc -l < "$f")" -gt 2 ] || fail "$f: no rows"
    done
    [ "$n" -eq 16 ] || fail "lr_experiments $*: $n run CSVs, expected 16"
    [ -s "$dir/summary.csv" ] || fail "$dir/summary.csv missing"
    for p in a_batch_size b_schedules c_lr_size d_optimizers; do
        f="$dir/$p.svg"
        [ -s "$f" ] || { fail "$f missing"; continue; }
        head -1 "$f" | grep -q '^<svg ' || fail "$f: does not start with <svg"
        tail -1 "$f" | grep -q '^</svg>$' || fail "$f: does not end with </svg>"
        [ "$(grep -c '<polyline' "$f")" -ge 3 ] || fail "$f: fewer than 3 curves"
    done
}

mkdir -p "$OUT"
check_demo "$OUT/synthetic" --synthetic
if [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -z "${RUNNER:-}" ]; then
    check_demo "$OUT/fashion"
fi

${RUNNER:-} "$B/examples/fashion_mnist" --data "$OUT/no-such-dir" > "$OUT/fm.log" 2>&1
rc=$?
cat "$OUT/fm.log"
[ $rc -eq 2 ] || fail "fashion_mnist without data exited with $rc, expected 2"
grep -q "no-such-dir" "$OUT/fm.log" && grep -q "install-deps.sh demo" "$OUT/fm.log" ||
    fail "fashion_mnist without data: message does not name the directory and the fix"

if [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    if ${RUNNER:-} "$B/examples/fashion_cnn" --quick > "$OUT/cnn.log" 2>&1; then
        cat "$OUT/cnn.log"; echo "PASS fashion_cnn --quick"
    else
        cat "$OUT/cnn.log"; fail "fashion_cnn --quick: below its target or failed"
    fi
else
    echo "SKIP fashion_cnn --quick: Fashion-MNIST is not installed (tools/install-deps.sh demo)"
fi
${RUNNER:-} "$B/examples/fashion_cnn" --data "$OUT/no-such-dir" > "$OUT/cnn.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "fashion_cnn without data exited with $rc, expected 2"
grep -q "no-such-dir" "$OUT/cnn.log" && grep -q "install-deps.sh demo" "$OUT/cnn.log" ||
    fail "fashion_cnn without data: message does not name the directory and the fix"

for isa in $isas; do
    f="$OUT/checkpoint.$isa.safetensors"
    if DESCENT_ISA=$isa ${RUNNER:-} "$B/examples/checkpoint" --stop-after 37 --file "$f" > "$OUT/ckpt.log" 2>&1 &&
        DESCENT_ISA=$isa ${RUNNER:-} "$B/examples/checkpoint" --resume --file "$f" >> "$OUT/ckpt.log" 2>&1; then
        cat "$OUT/ckpt.log"
        if grep -q "^final parameters equal those of an uninterrupted run (bitwise, [0-9]* floats): yes$" "$OUT/ckpt.log"
        then echo "PASS checkpoint [$isa]: the resumed run is bit-identical"
        else fail "checkpoint [$isa]: no 'final parameters equal ... yes' line"; fi
    else
        cat "$OUT/ckpt.log"; fail "checkpoint [$isa]: stop or resume failed"
    fi
    [ -e "$f" ] || fail "checkpoint [$isa]: $f was not written"
    ls "$OUT" | grep -q '\.tmp$' && fail "checkpoint [$isa]: a temporary file was left in $OUT"
done

# The real-time examples, short runs. Timings are printed, not required.
expect_lines() { # log, name, pattern...
    log=$1; name=$2; shift 2
    for pat in "$@"; do grep -q "$pat" "$log" || fail "$name: no line matching '$pat'"; done
}
for ex in game_loop robot_control; do
    case $ex in game_loop) args="--frames 20000" ;; *) args="--seconds 6" ;; esac
    # shellcheck disable=SC2086
    ${RUNNER:-} "$B/examples/$ex" $args --out "$OUT" > "$OUT/$ex.log" 2>&1 || fail "$ex exited with $?"
    cat "$OUT/$ex.log"
    f="$OUT/${ex}_latency"
    [ "$(head -1 "$f.csv")" = "percentile,ns" ] && [ "$(wc -l < "$f.csv")" -gt 10 ] || fail "$f.csv: bad table"
    head -1 "$f.svg" | grep -q '^<svg ' && grep -q '<polyline' "$f.svg" || fail "$f.svg: no plot"
done
expect_lines "$OUT/game_loop.log" game_loop "^training cost per frame: p50 .* us, p99 .* us, max .* us" \
    "^allocations after warm-up: 0$" "steps refused 1, parameters unchanged: yes; the game went on"
expect_lines "$OUT/robot_control.log" robot_control "^allocations in the loop: 0$" \
    "^floating-point control register changed by a descent call: 0 of [1-9][0-9]* calls$" \
    "learning refused (1 step refused)" "gradient norm .* was clipped to 1" "^compute per tick: p50"

# The remaining examples: tune_params converges, schedules writes its chart and table,
# version names the library.
${RUNNER:-} "$B/examples/tune_params" > "$OUT/tune.log" 2>&1 || fail "tune_params exited with $?"
grep -q "^converged: cost" "$OUT/tune.log" || fail "tune_params: no 'converged' line"
${RUNNER:-} "$B/examples/schedules" "$OUT/schedules.svg" "$OUT/schedules.csv" > "$OUT/sched.log" 2>&1 ||
    fail "schedules exited with $?"
[ "$(grep -c '<polyline' "$OUT/schedules.svg")" -ge 17 ] && [ "$(wc -l < "$OUT/schedules.csv")" -gt 100 ] ||
    fail "schedules: chart or table incomplete"
${RUNNER:-} "$B/examples/version" | grep -q "^descent [0-9][0-9.]*, kernels: " || fail "version: no version line"

"$B/examples/cpp_app" --out "$OUT" --epochs 60 > "$OUT/cpp_app.log" 2>&1 || fail "cpp_app exited with $?"
cat "$OUT/cpp_app.log"
expect_lines "$OUT/cpp_app.log" cpp_app "^data: .*600 rows, 3 features" "MSE .*: identical$"

[ $status -eq 0 ] && echo "examples: OK"
exit $status
