# Shared by bench/embedded_table.sh and bench/accuracy_per_nfe.sh (source it after setting D, the cell folder, and common, the
# `mimicdiffusion evaluate` arguments every cell shares).
# ev CELL ARGS...: run (or resume) one cell writing $D/CELL.jsonl; its log is appended to, and a run that added images appends its
# wall minutes to $D/minutes.tsv (cell, minutes, how measured), which the table scripts sum per cell.
count() { if [ -f "$1" ]; then grep -c '"index"' "$1"; else echo 0; fi; }
ev() {
  local name=$1; shift; local f=$D/$name.jsonl before after start minutes   # local: the callers' variables stay theirs
  before=$(count $f); start=$(date +%s)
  mimicdiffusion evaluate $common --out $f "$@" >> $D/$name.log 2>&1
  after=$(count $f)
  if [ "$after" != "$before" ]; then
    minutes=$(awk -v s=$start -v e=$(date +%s) 'BEGIN { printf "%.1f", (e - s) / 60 }')
    printf '%s\t%s\t%s\n' $name $minutes "$(basename $0): images $before -> $after, $(date -u +%Y-%m-%d)" >> $D/minutes.tsv
  fi
}
