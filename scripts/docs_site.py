#!/usr/bin/env python
"""Finish the rendered documentation site so that it works offline (scripts/docs.sh runs this after rendering).

1. Maths: KaTeX is copied into SITE/site_libs/katex (from $KATEX_DIR, else node_modules/katex/dist, else Debian's libjs-katex in
   /usr/share/javascript/katex) and every page loads it from there; the renderer's CDN links are removed. site_libs/math.js renders
   \\(..\\), \\[..\\], $$..$$ and $..$ in the page's text (docstrings and markdown outputs too), never inside code.
2. Links: links to the package's documentation host (doc_host + doc_baseurl of settings.ini), as nbdev writes them from _modidx.py,
   become relative links to the page the build produced. Page names are read from the build, never from a list: each processed
   notebook in the processed folder gives its `output-file` (the name nbdev and Quarto use, e.g. `sampling.html`) and the page the
   renderer wrote for it (`05_mimic.html` for smalldocs, `sampling.html` for Quarto). The anchor must be an id of that page
   (`Class.method` with no doc of its own links to the doc of `Class`). A private name (`_name`, which nbdev never documents)
   with no anchor keeps its code span and loses the link.
   A link to the documentation host that does not resolve to a page and anchor of the build is an error: exit status 1.

Usage: python scripts/docs_site.py [SITE] [--proc PROC]
SITE defaults to _proc/_docs (smalldocs) else _docs (Quarto); PROC (the processed notebooks) defaults to SITE's parent for
_proc/_docs, else _proc when it exists."""
import argparse, configparser, json, os, re, shutil, sys
from html import escape, unescape
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIRS = [os.environ.get('KATEX_DIR', ''), ROOT/'node_modules'/'katex'/'dist', '/usr/share/javascript/katex']
CDN_KATEX = re.compile(r'\s*<(?:link|script)\b[^>]*\bhttps://cdn\.jsdelivr\.net/npm/katex@[^>]*>(?:\s*</script>)?')
ID = re.compile(r'\bid\s*=\s*"([^"]*)"')
HREF = re.compile(r'(\bhref\s*=\s*")([^"]*)(")')
LINK = re.compile(r'<a\b[^>]*?\bhref\s*=\s*"([^"]*)"[^>]*>(.*?)</a>', re.S)
MATH_JS = r"""// Render the maths of the page with the KaTeX shipped in site_libs/katex (written by scripts/docs_site.py)
(function () {
  if (!window.renderMathInElement) return;
  window.renderMathInElement(document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true }, { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false }, { left: "$", right: "$", display: false },
    ],
    ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option"],
    ignoredClasses: ["sourceCode", "katex"],
    throwOnError: false,
  });
  document.documentElement.dataset.mathRendered = document.querySelectorAll(".katex").length;
})();
"""

def settings():
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    return cfg['DEFAULT']

def doc_root()->str:
    "The address nbdev writes before page names in doc links, e.g. https://user.github.io/repo/"
    s = settings()
    return s.get('doc_host', '').rstrip('/') + '/' + s.get('doc_baseurl', '').strip('/') + '/'

def frontmatter(nb:Path)->dict:
    "The `key: value` lines of the raw front-matter cell nbdev's processing puts first."
    try: cells = json.loads(nb.read_text())['cells']
    except (OSError, ValueError, KeyError): return {}
    for c in cells[:2]:
        src = ''.join(c['source'])
        if c['cell_type'] == 'raw' and src.lstrip().startswith('---'):
            return dict(re.findall(r'^([\w-]+):\s*(.*?)\s*$', src, re.M))
    return {}

def page_aliases(site:Path, proc:Path)->dict:
    "{name nbdev links to: page the build produced}, both relative to the site root, read from the processed notebooks."
    aliases = {}
    for nb in sorted(proc.rglob('*.ipynb')) if proc.is_dir() else []:
        rel = nb.relative_to(proc)
        if any(p.startswith(('_', '.')) for p in rel.parts): continue
        out = frontmatter(nb).get('output-file') or rel.with_suffix('.html').name
        linked = (rel.parent/out).as_posix()
        page = next((c for c in (rel.with_suffix('.html').as_posix(), linked) if (site/c).is_file()), None)
        if page: aliases[linked] = page
    return aliases

def relative(target:str, page:str)->str:
    "The link from the site page `page` to the site file `target` (both relative to the site root)."
    return os.path.relpath(target, PurePosixPath(page).parent.as_posix() or '.').replace(os.sep, '/')

def install_katex(site:Path)->Path:
    src = next((Path(d) for d in KATEX_DIRS if d and (Path(d)/'katex.min.js').is_file()), None)
    if src is None:
        sys.exit('docs_site: KaTeX not found (tried $KATEX_DIR, node_modules/katex/dist, /usr/share/javascript/katex): '
                 'apt-get install libjs-katex, or npm install katex')
    dst = site/'site_libs'/'katex'
    shutil.rmtree(dst, ignore_errors=True); (dst/'contrib').mkdir(parents=True)
    for f in ('katex.min.css', 'katex.min.js'): shutil.copy(src/f, dst/f)
    auto = next(src/'contrib'/f for f in ('auto-render.min.js', 'auto-render.js') if (src/'contrib'/f).is_file())
    shutil.copy(auto, dst/'contrib'/'auto-render.min.js')
    shutil.copytree(src/'fonts', dst/'fonts', symlinks=False)   # Debian's fonts are links into fonts-katex: copy the files
    (dst/'math.js').write_text(MATH_JS)
    return src

def math_tags(offset:str)->str:
    k = f'{offset}site_libs/katex'
    return (f'<link rel="stylesheet" href="{k}/katex.min.css">\n<script src="{k}/katex.min.js" defer></script>\n'
            f'<script src="{k}/contrib/auto-render.min.js" defer></script>\n<script src="{k}/math.js" defer></script>\n')

def process(site:Path, proc:Path):
    "Rewrite every page of `site`; returns (number of doc links rewritten, list of problems)."
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html') if 'site_libs' not in p.parts)
    ids = {p: set(ID.findall((site/p).read_text(errors='replace'))) for p in pages}
    aliases, root = page_aliases(site, proc), doc_root()
    n_links, n_private, problems = 0, 0, []
    for page in pages:
        html = (site/page).read_text(errors='replace')
        def fix(m):
            nonlocal n_links
            url = unescape(m.group(2))
            if not url.startswith(root): return m.group(0)
            path, _, anchor = url[len(root):].partition('#')
            target = path if path in ids else aliases.get(path)
            if target is None:
                problems.append(f'{page}: link to {url}: the build produced no page {path!r}'); return m.group(0)
            if anchor and anchor not in ids[target] and '.' in anchor and anchor.rsplit('.', 1)[0] in ids[target]:
                anchor = anchor.rsplit('.', 1)[0]    # a method or attribute with no doc of its own: its class's doc
            if anchor and anchor not in ids[target]:
                problems.append(f'{page}: link to {url}: page {target} has no anchor #{anchor}'); return m.group(0)
            n_links += 1
            new = relative(target, page) + (f'#{anchor}' if anchor else '')
            return m.group(1) + escape(new, quote=True) + m.group(3)
        def unlink_private(m):   # nbdev documents no private name, so its doc link has no page to go to: keep the code, drop the link
            nonlocal n_private
            path, _, anchor = unescape(m.group(1))[len(root):].partition('#')
            if not m.group(1).startswith(root) or not anchor.split('.')[0].startswith('_'): return m.group(0)
            target = path if path in ids else aliases.get(path)
            if target is None or anchor in ids[target]: return m.group(0)
            n_private += 1
            return m.group(2)
        html = LINK.sub(unlink_private, html)
        html = HREF.sub(fix, html)
        html = CDN_KATEX.sub('', html)
        offset = '../' * page.count('/')
        if 'site_libs/katex/math.js' not in html: html = html.replace('</head>', math_tags(offset) + '</head>', 1)
        (site/page).write_text(html)
    return n_links, n_private, problems

def main():
    ap = argparse.ArgumentParser(description='Make the rendered site work offline: KaTeX shipped, doc links resolved.')
    ap.add_argument('site', nargs='?', type=Path); ap.add_argument('--proc', type=Path)
    a = ap.parse_args()
    site = (a.site or next((p for p in (ROOT/'_proc'/'_docs', ROOT/'_docs') if p.is_dir()), ROOT/'_proc'/'_docs')).resolve()
    proc = (a.proc or (site.parent if site.name == '_docs' and site.parent.name == '_proc' else ROOT/'_proc')).resolve()
    if not (site/'index.html').is_file(): sys.exit(f'docs_site: {site} holds no index.html')
    src = install_katex(site)
    n, n_private, problems = process(site, proc)
    for p in problems: print(f'docs_site: {p}', file=sys.stderr)
    if problems: sys.exit(f'docs_site: {len(problems)} link(s) to the documentation host {doc_root()} do not resolve on this site')
    print(f'docs_site: KaTeX from {src} in site_libs/katex; {n} doc link(s) now point at pages of this build'
          f'{f"; {n_private} link(s) to undocumented private names dropped" if n_private else ""}')

if __name__ == '__main__': main()
