#!/usr/bin/env bash
# run.sh [N...] — time meshsynth, the AWS CDK and CDK for Terraform synthesizing the
# same App Mesh + ECS topology of N services (default N list: 10 35 100), and print
# a Markdown table. See README.md beside this file.
#
# Environment:
#   MESHSYNTH, GEN_SPEC  prebuilt meshsynth and gen_spec binaries; when either is unset,
#                        the script runs `cargo build --release --bin meshsynth
#                        --example gen_spec` in the repository root and uses those
#   RUNS                 timed runs per tool and N (default 3)
#   WARMUP               1 (default): one untimed run of each tool first, so the first
#                        timed run does not pay for a cold file cache; 0: none
#   BENCH_OUT            where the specs and the outputs go (default: bench-out/ here;
#                        emptied for each N)
#   MESHSYNTH_FALLBACK   terraform (default): when `meshsynth synth --target all` fails,
#                        report the error, then time `--target terraform` instead and mark
#                        it in the table (run.sh then exits 3); none: no fallback
#   CDK_SERVICES_PER_STACK  services per CDK nested stack (default 25)
#   ORACLES              1: afterwards, run the project's IaC oracles (cfn-lint, terraform
#                        validate against the provider schema, AWS API constraints) on the
#                        CDK and cdktf outputs of every N; off by default (cfn-lint takes
#                        about a minute at N=100). ORACLES_SH: the script to use (default
#                        ../shared/oracles/check-out.sh beside the repository)
#
# Exit status: 0 all good; 1 a tool failed or an output check failed; 3 meshsynth
# `--target all` failed at some N (figures for the fallback are in the table).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
RUNS="${RUNS:-3}"
WARMUP="${WARMUP:-1}"
WORK="${BENCH_OUT:-$here/bench-out}"
MESHSYNTH_FALLBACK="${MESHSYNTH_FALLBACK:-terraform}"
export CDK_SERVICES_PER_STACK="${CDK_SERVICES_PER_STACK:-25}"

if (($#)); then ns=("$@"); else ns=(10 35 100); fi
for n in "${ns[@]}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: N must be a whole number >= 1, not '$n'" >&2; exit 2; }
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: RUNS must be >= 1" >&2; exit 2; }
case "$MESHSYNTH_FALLBACK" in terraform|none) ;; *) echo "run.sh: MESHSYNTH_FALLBACK is terraform or none" >&2; exit 2 ;; esac

# Wall clock in microseconds; $EPOCHREALTIME (bash >= 5) costs no fork.
now_us() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME/[.,]/}"
    echo "$((10#$t))"
  else
    echo "$(($(date +%s%N) / 1000))"
  fi
}
script_start="$(now_us)"

# CPU ticks (USER_HZ) the whole machine spent busy, and those of this script and its
# children; the difference over the run is what other processes took (a build beside
# the benchmark, say), reported at the end.
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat 2>/dev/null || echo 0; }
own_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$$/stat" 2>/dev/null || echo 0; }
busy_start="$(machine_busy_ticks)"
own_start="$(own_ticks)"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not on the PATH (Node.js >= 20 is needed)" >&2; exit 1; }
done

# ---- 1. the Node packages, exactly as locked -----------------------------------------
deps_ok() {
  (cd "$here" && node -e '
    const pkg = require("./package.json");
    for (const [name, want] of Object.entries(pkg.dependencies)) {
      let got;
      try { got = require(`./node_modules/${name}/package.json`).version; } catch { process.exit(1); }
      if (got !== want) process.exit(1);
    }')
}
if ! deps_ok; then
  echo "run.sh: installing the pinned packages (npm ci) into $here/node_modules" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
  deps_ok || { echo "run.sh: npm ci did not install the versions in package.json" >&2; exit 1; }
fi

# ---- 2. meshsynth and the spec generator ---------------------------------------------
if [[ -z "${MESHSYNTH:-}" || -z "${GEN_SPEC:-}" ]]; then
  command -v cargo >/dev/null || { echo "run.sh: cargo is not on the PATH; set MESHSYNTH and GEN_SPEC" >&2; exit 1; }
  echo "run.sh: building meshsynth (cargo build --release --bin meshsynth --example gen_spec)" >&2
  (cd "$repo" && cargo build --release --bin meshsynth --example gen_spec) >&2
  target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
  MESHSYNTH="${MESHSYNTH:-$target_dir/release/meshsynth}"
  GEN_SPEC="${GEN_SPEC:-$target_dir/release/examples/gen_spec}"
fi
for b in "$MESHSYNTH" "$GEN_SPEC"; do
  [[ -x "$b" ]] || { echo "run.sh: $b is not an executable" >&2; exit 1; }
done

# ---- 3. the machine ------------------------------------------------------------------
pkgver() { node -p "require('$here/node_modules/$1/package.json').version"; }
cpu="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)"
mem="$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)"
echo "## Machine"
echo
echo "- CPU: ${cpu:-unknown}, nproc $(nproc), memory ${mem:-unknown}, $(uname -sr), load average at start $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo "- Node.js $(node --version), npm $(npm --version)"
echo "- aws-cdk-lib $(pkgver aws-cdk-lib), constructs $(pkgver constructs), cdktf $(pkgver cdktf), @cdktf/provider-aws $(pkgver @cdktf/provider-aws)"
echo "- $("$MESHSYNTH" --version) ($MESHSYNTH), spec from $GEN_SPEC"
echo "- timed runs per tool and N: $RUNS; warm-up: $([[ $WARMUP == 1 ]] && echo yes || echo no)"
echo

# ---- 4. timing -----------------------------------------------------------------------
rm -rf "$WORK"
mkdir -p "$WORK"
results="$WORK/results.tsv"
printf '# tool\tN\trun\tms\trc\tcpu_ms\n' >"$results"

# CPU time (user + system) of this shell's finished children, in ms, from the `times`
# builtin (a redirect, not $(...): a subshell would report its own, empty, counters).
children_cpu_ms() {
  local _ cu cs
  times >"$WORK/.times"
  { read -r _; read -r cu cs; } <"$WORK/.times"
  local total=0 t m sec
  for t in "$cu" "$cs"; do
    [[ "$t" =~ ^([0-9]+)m([0-9]+)[.,]([0-9]{3})s$ ]] || { CHILD_CPU_MS=0; return; }
    m="${BASH_REMATCH[1]}"; sec="${BASH_REMATCH[2]}"
    total=$((total + 10#$m * 60000 + 10#$sec * 1000 + 10#${BASH_REMATCH[3]}))
  done
  CHILD_CPU_MS="$total"
}

# time_run TOOL N RUN LOG CMD... — the whole process: wall clock, and CPU time (user +
# system, all threads and child processes) which a busy machine disturbs much less;
# appends to results.tsv.
time_run() {
  local tool="$1" n="$2" run="$3" log="$4"; shift 4
  local t0 t1 rc=0 us c0
  children_cpu_ms; c0="$CHILD_CPU_MS"
  t0="$(now_us)"
  "$@" >"$log" 2>&1 </dev/null || rc=$?
  t1="$(now_us)"
  children_cpu_ms
  us=$((t1 - t0))
  printf '%s\t%s\t%s\t%d.%03d\t%s\t%s\n' "$tool" "$n" "$run" $((us / 1000)) $((us % 1000)) "$rc" \
    $((CHILD_CPU_MS - c0)) >>"$results"
  return "$rc"
}

fail_report() {  # TOOL N RC LOG
  echo "ERROR: $1 failed at N=$2 (exit $3); its output ($4):" >&2
  sed -n '1,25s/^/    /p' "$4" >&2
}

tool_failed=0
ms_all_failed=0

if [[ "$WARMUP" == 1 ]]; then
  w="$WORK/warmup"; mkdir -p "$w"
  "$GEN_SPEC" --services "${ns[0]}" >"$w/bench.yaml"
  echo "run.sh: warm-up (untimed) at N=${ns[0]}" >&2
  "$MESHSYNTH" synth "$w/bench.yaml" --target terraform --out "$w/meshsynth" >/dev/null 2>&1 || true
  node "$here/cdk-app.js" "${ns[0]}" "$w/cdk" >/dev/null 2>&1 || true
  node "$here/cdktf-app.js" "${ns[0]}" "$w/cdktf" >/dev/null 2>&1 || true
  rm -rf "$w"
fi

for n in "${ns[@]}"; do
  d="$WORK/$n"
  mkdir -p "$d"
  "$GEN_SPEC" --services "$n" >"$d/bench.yaml"
  echo "run.sh: N=$n" >&2

  # meshsynth: the whole `synth --target all`, RUNS times.
  for ((run = 1; run <= RUNS; run++)); do
    rm -rf "$d/meshsynth"
    rc=0
    time_run meshsynth "$n" "$run" "$d/meshsynth.log" \
      "$MESHSYNTH" synth "$d/bench.yaml" --target all --out "$d/meshsynth" || rc=$?
    if ((rc != 0)); then
      fail_report "meshsynth synth --target all" "$n" "$rc" "$d/meshsynth.log"
      ms_all_failed=1
      break
    fi
  done
  if ((rc != 0)) && [[ "$MESHSYNTH_FALLBACK" == terraform ]]; then
    echo "run.sh: N=$n: timing meshsynth synth --target terraform instead (marked † in the table)" >&2
    for ((run = 1; run <= RUNS; run++)); do
      rm -rf "$d/meshsynth"
      rc=0
      time_run meshsynth-terraform "$n" "$run" "$d/meshsynth-terraform.log" \
        "$MESHSYNTH" synth "$d/bench.yaml" --target terraform --out "$d/meshsynth" || rc=$?
      if ((rc != 0)); then
        fail_report "meshsynth synth --target terraform" "$n" "$rc" "$d/meshsynth-terraform.log"
        tool_failed=1
        break
      fi
    done
  fi

  # CDK (default: with its built-in CloudFormation Validate pass), CDK without it, cdktf.
  for tool in cdk cdk-novalidate cdktf; do
    for ((run = 1; run <= RUNS; run++)); do
      rm -rf "${d:?}/$tool"
      rc=0
      case "$tool" in
        cdk) time_run cdk "$n" "$run" "$d/cdk.log" node "$here/cdk-app.js" "$n" "$d/cdk" || rc=$? ;;
        cdk-novalidate) time_run cdk-novalidate "$n" "$run" "$d/cdk-novalidate.log" \
          env CDK_VALIDATION=false node "$here/cdk-app.js" "$n" "$d/cdk-novalidate" || rc=$? ;;
        cdktf) time_run cdktf "$n" "$run" "$d/cdktf.log" node "$here/cdktf-app.js" "$n" "$d/cdktf" || rc=$? ;;
      esac
      if ((rc != 0)); then
        fail_report "$tool" "$n" "$rc" "$d/$tool.log"
        tool_failed=1
        break
      fi
    done
  done
done

# ---- 5. the table --------------------------------------------------------------------
echo "## Synth time"
echo
report_rc=0
node "$here/report.js" "$WORK" || report_rc=$?
elapsed=$(($(now_us) - script_start))
echo
other_pct="$(awk -v b="$(($(machine_busy_ticks) - busy_start))" -v o="$(($(own_ticks) - own_start))" \
  -v us="$elapsed" -v cpus="$(nproc)" -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" \
  'BEGIN { x = (b - o) / (us / 1e6 * hz * cpus) * 100; if (x < 0) x = 0; printf "%.0f", x }')"
echo "run.sh took $((elapsed / 1000000)).$(printf '%01d' $((elapsed % 1000000 / 100000))) s; other processes used ${other_pct}% of the machine's CPU meanwhile; outputs, logs and results.tsv in $WORK"
if ((other_pct >= 10)); then
  echo
  echo "**WARNING: other processes used ${other_pct}% of the CPU during the run: the wall times above are inflated and noisy;"
  echo "the CPU times are disturbed less. Re-run on a quiet machine for wall times.**"
fi

oracle_failed=0
if [[ "${ORACLES:-0}" == 1 ]]; then
  oracles="${ORACLES_SH:-$repo/../shared/oracles/check-out.sh}"
  echo
  if [[ ! -f "$oracles" ]]; then
    echo "run.sh: ORACLES=1 but $oracles does not exist" >&2
    oracle_failed=1
  else
    echo "## Oracles (CDK and cdktf outputs)"
    echo
    for n in "${ns[@]}"; do
      for tool in cdk cdktf; do
        [[ -d "$WORK/$n/$tool" ]] || continue
        if line="$(bash "$oracles" "$WORK/$n/$tool" 2>&1)"; then
          echo "- N=$n $tool: ${line##*$'\n'}"
        else
          echo "- N=$n $tool: FAILED"
          printf '%s\n' "$line" | sed 's/^/    /'
          oracle_failed=1
        fi
      done
    done
  fi
fi

if ((tool_failed)) || ((report_rc == 1)) || ((oracle_failed)); then exit 1; fi
if ((ms_all_failed)) || ((report_rc == 3)); then
  echo "run.sh: meshsynth synth --target all failed for some N (see ERROR above); exiting 3" >&2
  exit 3
fi
exit 0
