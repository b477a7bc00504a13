#!/usr/bin/env bash
# Whole-process time and peak memory of `meshsynth synth --target all` (files written) for
# generated meshes: `bash benches/process.sh [N...]` (default: 100 1000). Each N runs 5 times
# into a fresh output folder after one warm-up, then 5 times over its own output (the usual
# regeneration: unchanged files are linked over, not written); the table gives the median and
# best wall time of each and the largest peak RSS, as /usr/bin/time -v reports them.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100 1000)
cargo build --release --quiet --example gen_spec
bin=target/release/meshsynth
gen=target/release/examples/gen_spec
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
for backend in app_mesh all; do
  echo
  echo "| N | backend | resources (App Mesh CFN) | fresh: median / best | re-run: median / best | peak RSS |"
  echo "|---|---|---|---|---|---|"
  for n in "${sizes[@]}"; do
    "$gen" --services "$n" > "$work/mesh.yaml"
    "$bin" synth "$work/mesh.yaml" --target all --backend "$backend" --out "$work/warm" >/dev/null 2>&1 || true
    walls=(); again=(); rss=0
    for mode in fresh again; do
      for i in 1 2 3 4 5; do
        [ "$mode" = fresh ] && rm -rf "$work/out"
        /usr/bin/time -v "$bin" synth "$work/mesh.yaml" --target all --backend "$backend" --out "$work/out" >/dev/null 2>"$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
        w=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
        ms="$(python3 -c "p='$w'.split(':'); print(round((float(p[-1]) + 60*float(p[-2] if len(p)>1 else 0))*1000))")"
        if [ "$mode" = fresh ]; then walls+=("$ms"); else again+=("$ms"); fi
        r=$(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}')
        [ "$r" -gt "$rss" ] && rss=$r
      done
    done
    sorted=($(printf '%s\n' "${walls[@]}" | sort -n))
    resorted=($(printf '%s\n' "${again[@]}" | sort -n))
    res=$(python3 -c "import json,glob; print(sum(len(json.load(open(f))['Resources']) for f in glob.glob('$work/out/mesh/cloudformation/**/*.json', recursive=True)))")
    echo "| $n | $backend | $res | ${sorted[2]} / ${sorted[0]} ms | ${resorted[2]} / ${resorted[0]} ms | $((rss / 1024)) MB |"
  done
done
