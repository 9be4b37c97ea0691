#!/usr/bin/env bash
# Build the documentation site from the notebooks (with their saved outputs).
#   With Quarto on the PATH: nbdev_docs, site in _docs/.
#   Without Quarto: nbdev's own notebook processing into _proc/, then the pure-Python renderer smalldocs, site in _proc/_docs/.
# nbdev's refresh_quarto_yml may rewrite nbs/_quarto.yml and nbs/nbdev.yml; both are restored afterwards, so the tree stays as it was.
# Either way scripts/docs_site.py then ships KaTeX inside the site (no CDN at view time) and turns nbdev's links to the documentation
# host into links to the pages this build produced (a link it cannot resolve fails the build).
# Extra arguments go to nbdev_docs (Quarto route) or to `smalldocs render` (offline route, e.g. --strict).
#   scripts/docs.sh --serve [PORT]   build, then serve the site at http://127.0.0.1:PORT/ (default 8000) until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."
serve=
if [ "${1:-}" = --serve ]; then
  shift; serve=8000
  if [[ "${1:-}" =~ ^[0-9]+$ ]]; then serve=$1; shift; fi
fi

python scripts/check_docs.py --sources   # cells the build would execute by mistake: named here, not as a traceback later
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

PROC="import sys; sys.path.insert(0, 'scripts'); import showdoc_tables; showdoc_tables.install()
from nbdev.quarto import refresh_quarto_yml; from nbdev.serve import proc_nbs; refresh_quarto_yml(); proc_nbs(n_workers=0)"
if command -v quarto >/dev/null 2>&1; then
  python -c "$PROC"   # fills nbdev's processing cache with parameter tables; nbdev_docs reuses the processed notebooks
  nbdev_docs "$@"
  python scripts/docs_site.py _docs --proc _proc
  echo "docs.sh: site built with Quarto in _docs/"
  site=_docs
else
  command -v smalldocs >/dev/null 2>&1 || { echo "docs.sh: neither quarto nor smalldocs found: pip install -e '.[dev]'" >&2; exit 1; }
  # nbdev's processing cache compares file times, which misses some edits (a file restored with its old time, _quarto.yml):
  # start from an empty _proc, so no stale page or setting survives (DOCS_CACHE=1 keeps it, for quick local rebuilds)
  if [ "${DOCS_CACHE:-0}" != 1 ]; then rm -rf _proc
  elif [ -d _proc ]; then   # still drop processed copies of notebooks that no longer exist
    find _proc -name '*.ipynb' -not -path '_proc/_docs/*' | while read -r f; do
      [ -e "nbs/${f#_proc/}" ] || rm -f "$f"
    done
  fi
  # nbdev warns about every cell mixing imports and other code (docs processing executes it): silence the warning only for the house
  # skeleton's hidden test-imports cell, which starts every notebook; other such cells keep their warning
  # show_doc with parameter tables (scripts/showdoc_tables.py) patches nbdev in this process, so the notebooks are processed in it
  python -W $'ignore:Found cells containing imports and other code. See FAQ.\n---\nimport torch; torch.set_num_threads(1)' -c "$PROC"
  rm -rf _proc/_docs
  smalldocs render --quiet "$@" _proc
  python scripts/docs_site.py _proc/_docs --proc _proc
  echo "docs.sh: site built with smalldocs in _proc/_docs/ (Quarto not found)"
  site=_proc/_docs
fi
if [ -n "$serve" ]; then
  restore; trap - EXIT
  echo "docs.sh: serving $site at http://127.0.0.1:$serve/ (search included; Ctrl-C stops)"
  exec python -m http.server --bind 127.0.0.1 --directory "$site" "$serve"
fi
