#!/usr/bin/env bash
# Build the documentation site from the notebooks (with their saved outputs).
#   With Quarto on the PATH: nbdev_docs, site in _docs/.
#   Without Quarto: nbdev's own notebook processing into _proc/, then the pure-Python renderer smalldocs, site in _proc/_docs/.
# nbdev's refresh_quarto_yml may rewrite nbs/_quarto.yml and nbs/nbdev.yml; both are restored afterwards, so the tree stays as it was.
# Extra arguments go to nbdev_docs (Quarto route) or to `smalldocs render` (offline route, e.g. --strict).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=$(mktemp -d)
cp -p nbs/_quarto.yml nbs/nbdev.yml "$keep"/
restore() {
  for f in _quarto.yml nbdev.yml; do
    if ! cmp -s "$keep/$f" "nbs/$f"; then
      echo "docs.sh: restoring nbs/$f (nbdev rewrote it; it is kept as committed, the site used nbdev's version)" >&2
      cp -p "$keep/$f" "nbs/$f"
    fi
  done
  rm -rf "$keep"
}
trap restore EXIT

if command -v quarto >/dev/null 2>&1; then
  nbdev_docs "$@"
  echo "docs.sh: site built with Quarto in _docs/"
else
  command -v smalldocs >/dev/null 2>&1 || { echo "docs.sh: neither quarto nor smalldocs found: pip install -e '.[dev]'" >&2; exit 1; }
  # drop processed copies of notebooks that no longer exist, so no stale page survives a rename
  if [ -d _proc ]; then
    find _proc -name '*.ipynb' -not -path '_proc/_docs/*' | while read -r f; do
      [ -e "nbs/${f#_proc/}" ] || rm -f "$f"
    done
  fi
  # nbdev warns about every cell mixing imports and other code (docs processing executes it): silence the warning only for the house
  # skeleton's hidden test-imports cell, which starts every notebook; other such cells keep their warning
  python -W $'ignore:Found cells containing imports and other code. See FAQ.\n---\nimport torch; torch.set_num_threads(1)' -c "from nbdev.quarto import refresh_quarto_yml; from nbdev.serve import proc_nbs; refresh_quarto_yml(); proc_nbs()"
  rm -rf _proc/_docs
  smalldocs render --quiet "$@" _proc
  echo "docs.sh: site built with smalldocs in _proc/_docs/ (Quarto not found)"
fi
