#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto).

Markdown cells are copied as they are; code cells that are not hidden are shown as python blocks, with their text outputs;
cells marked `#| echo: false` contribute only their markdown outputs (tables).
`--check` exits non-zero if README.md differs from what index.ipynb gives."""
import json, sys
from pathlib import Path

def render(nb_path='nbs/index.ipynb'):
    nb = json.loads(Path(nb_path).read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip()
        if not src: continue
        if src.startswith('#| hide') or src.startswith('#|hide'): continue
        if src.startswith('#| echo: false'):   # output only (e.g. a benchmark table shown with IPython's Markdown)
            parts += [''.join(o['data']['text/markdown']).strip() for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
            continue
        if c['cell_type'] == 'markdown': parts.append(src)
        else:
            parts.append('```python\n' + src + '\n```')
            txt = ''.join(''.join(o.get('text', '')) for o in c.get('outputs', []) if o.get('output_type') == 'stream')
            if txt.strip(): parts.append('```\n' + txt.rstrip() + '\n```')

    import re
    text = re.sub(r'\]\((\w+)\.html\)', r'](nbs/\1.ipynb)', '\n\n'.join(parts))
    return text.replace('](images/', '](nbs/images/') + '\n'

if __name__ == '__main__':
    text = render()
    if '--check' in sys.argv:
        ok = Path('README.md').exists() and Path('README.md').read_text() == text
        print('README.md is in sync with nbs/index.ipynb' if ok else 'README.md is out of date: run python scripts/make_readme.py')
        sys.exit(0 if ok else 1)
    Path('README.md').write_text(text)
