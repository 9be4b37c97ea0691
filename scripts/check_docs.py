#!/usr/bin/env python
"""Check the rendered documentation site (run scripts/docs.sh first).

1. every notebook in nbs/ (names not starting with `_` or `.`) has a page;
2. a page whose notebook holds image outputs in shown cells shows at least as many images, each a data: URI or a file that exists;
3. no page shows a Python traceback or ANSI-coloured error output;
4. a headless Chromium screenshot of the index page, served over HTTP on 127.0.0.1, is not blank; it is saved as _proc/screenshot.png.

Usage: python scripts/check_docs.py [SITE] [--no-screenshot]
SITE defaults to _proc/_docs (scripts/docs.sh without Quarto), else _docs (nbdev_docs with Quarto).
Exits 1 with one line per problem found."""
import argparse, json, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
IMAGE_MIMES = ('image/png', 'image/jpeg', 'image/gif', 'image/svg+xml')
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|cell-output-error|\x1b\[[0-9;]*m|&#27;\[|\[[01];3[0-7]m|ansi-red-fg')
HIDDEN = re.compile(r'^#\|\s*(hide\b|include:\s*false|output:\s*false)', re.M)
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')

def notebooks():
    "The notebooks nbdev renders: nbs/**/*.ipynb, skipping names (files or folders) that start with `_` or `.`."
    return sorted(p for p in NBS.rglob('*.ipynb') if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))

def page_candidates(nb:Path, site:Path):
    "Where the page of `nb` may be: named after the notebook (smalldocs) or after nbdev's output-file (Quarto: 01_foo -> foo.html)."
    rel = nb.relative_to(NBS)
    return [site/rel.with_suffix('.html'), site/rel.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower())).with_suffix('.html')]

def shown_image_outputs(nb:Path)->int:
    "Image outputs of the cells the docs show."
    n = 0
    for c in json.loads(nb.read_text())['cells']:
        if c['cell_type'] != 'code' or HIDDEN.search(''.join(c['source'])): continue
        n += sum(any(m in o.get('data', {}) for m in IMAGE_MIMES) for o in c.get('outputs', []))
    return n

def images_of(page:Path):
    "(good, bad) images of a page: <img> with a data: URI or a local file that exists, inline <svg> counted as good."
    html = page.read_text(errors='replace')
    good, bad = len(re.findall(r'<svg\b', html)), []
    for src in re.findall(r'<img\b[^>]*?\bsrc\s*=\s*["\']([^"\']*)["\']', html, re.I):
        src = unescape(src)
        if src.startswith('data:image/'): good += 1
        elif re.match(r'^[a-z]+://', src): good += 1        # external: not fetched offline
        elif src and (page.parent/src.split('#')[0].split('?')[0]).is_file(): good += 1
        else: bad.append(src[:80])
    return good, bad

def check_pages(site:Path)->list:
    problems = []
    for nb in notebooks():
        page = next((p for p in page_candidates(nb, site) if p.is_file()), None)
        rel = nb.relative_to(ROOT)
        if page is None:
            problems.append(f'{rel}: no page in {site.relative_to(ROOT) if site.is_relative_to(ROOT) else site}'); continue
        html = page.read_text(errors='replace')
        m = TRACEBACK.search(html)
        if m: problems.append(f'{page.name}: shows a Python traceback or error output ({m.group(0)!r} at char {m.start()})')
        want = shown_image_outputs(nb)
        good, bad = images_of(page)
        if bad: problems.append(f'{page.name}: broken images: {bad}')
        if good < want: problems.append(f'{page.name}: shows {good} image(s), {rel} holds {want} image output(s)')
    return problems

def free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def screenshot(site:Path, out:Path)->list:
    "Serve `site`, screenshot its index page with headless Chromium into `out`, and check the picture is not blank."
    browser = next((b for b in BROWSERS if shutil.which(b)), None)
    if browser is None: return [f'no Chromium found (tried {", ".join(BROWSERS)}): apt-get install -y chromium, or pass --no-screenshot']
    port = free_port()
    url = f'http://127.0.0.1:{port}/index.html'
    server = subprocess.Popen([sys.executable, '-m', 'http.server', '--bind', '127.0.0.1', str(port)], cwd=site,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):                                # wait for the server (up to ~10 s)
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status != 200: return [f'{url} answered HTTP {r.status}']
                break
            except OSError: time.sleep(0.1)
        else: return [f'the HTTP server serving {site} did not answer at {url}']
        out.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as profile:
            cmd = [browser, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                   '--disable-sync', '--no-first-run', f'--user-data-dir={profile}', f'--screenshot={out}', '--window-size=1280,1000',
                   '--hide-scrollbars', '--virtual-time-budget=3000', url]
            try: r = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
            except subprocess.TimeoutExpired: return [f'{browser} took more than 90 s to take the screenshot']
        if not out.is_file(): return [f'{browser} wrote no screenshot (exit code {r.returncode}): {r.stderr.strip()[-300:]}']
    finally:
        server.terminate(); server.wait(timeout=10)
    from PIL import Image
    img = Image.open(out).convert('RGB')
    colors = img.getcolors(maxcolors=1 << 16)
    n_colors = len(colors) if colors is not None else 1 << 16
    gray = img.convert('L')
    nonwhite = sum(gray.histogram()[:240]) / (img.width * img.height)
    print(f'screenshot: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({img.width}x{img.height}, {n_colors} colours, '
          f'{nonwhite:.1%} non-white pixels)')
    if n_colors < 16 or nonwhite < 0.005: return [f'the screenshot of {url} looks blank ({n_colors} colours, {nonwhite:.2%} non-white)']
    return []

def main():
    ap = argparse.ArgumentParser(description='Check the rendered documentation site.')
    ap.add_argument('site', nargs='?', type=Path, help='the built site (default: _proc/_docs, else _docs)')
    ap.add_argument('--no-screenshot', action='store_true', help='skip the headless browser check')
    ap.add_argument('--out', type=Path, default=ROOT/'_proc'/'screenshot.png', help='where the screenshot goes')
    a = ap.parse_args()
    site = (a.site or next((p for p in (ROOT/'_proc'/'_docs', ROOT/'_docs') if p.is_dir()), ROOT/'_proc'/'_docs')).resolve()
    if not (site/'index.html').is_file():
        print(f'check_docs: {site} holds no index.html: build the site with scripts/docs.sh first', file=sys.stderr); sys.exit(1)
    problems = check_pages(site)
    n_pages = len(notebooks())
    if not a.no_screenshot:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        problems += screenshot(site, a.out.resolve())
    for p in problems: print(f'check_docs: {p}', file=sys.stderr)
    if problems: sys.exit(1)
    print(f'check_docs: OK: {n_pages} notebooks, each with its page; images present; no tracebacks'
          + ('' if a.no_screenshot else '; index page screenshot not blank'))

if __name__ == '__main__': main()
