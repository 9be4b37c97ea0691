"""For the docs build only (scripts/docs.sh): nbdev's `show_doc` with the parameter comments (docments) as nbdev's parameter table.

fastcore 1.14's renderer writes the docments as comments inside the signature's code block, where nbdev's doc links then show as
raw markdown (`[`X`](https://...)`). Here the signature is plain code and the docments go into fastcore's `DocmentTbl` below the
docstring, as markdown, where doc links render. `install()` patches nbdev in this process, so notebooks must be processed in it
(`proc_nbs(n_workers=0)`); interactive `show_doc` and the tests are untouched."""
from fastcore.docments import DocmentTbl, DocmentText, _bold, _ital_first, _list2row, _maybe_nm, empty
from nbdev import showdoc
import re
from inspect import isclass
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent) + '/'

def no_dashes(s:str)->str:
    "Show a `--option` outside code spans as code: smart typography would turn its `--` into an en dash."
    parts = re.split(r'(`[^`]*`)', s)
    return ''.join(p if i % 2 else re.sub(r"(?<![\w-])'?(--[A-Za-z][\w-]*)'?", r'`\1`', p) for i, p in enumerate(parts))

class PlainSignature(DocmentText):
    "The signature with types and defaults, no comments."
    @property
    def params(self): return [(fmt, '') for fmt, _ in super().params]
    def __str__(self):
        s = super().__str__()
        one = s.replace('(\n    ', '(').replace('\n    ', ' ').replace('\n)', ')')
        return one if len(one) <= self.maxline else s
    @property
    def _ret_str(self):
        anno = self.dm.get('return', {}).get('anno', empty)
        if isclass(self.obj): return '):'              # a class's signature is its __init__'s: no `->None`
        return f"){'->' + _maybe_nm(anno) if anno != empty else ''}:"

class Table(DocmentTbl):
    "fastcore's parameter table, with `|` in types and defaults (`str | Path`) escaped so it does not split the row."
    def _row(self, nm, props): return [no_dashes(_maybe_nm(o).replace('|', '\\|')) for o in super()._row(nm, props)]
    @property
    def return_str(self):
        return _list2row(['**Returns**'] + [_bold(_maybe_nm(self.dm['return'][c]).replace('|', '\\|')) for c in self._columns])

_original = showdoc.BasicMarkdownRenderer._repr_markdown_

def _repr_markdown_(self):
    try:
        tbl = Table(self.sym)
        doc = '---\n\n'
        src = showdoc.NbdevLookup().code(self.fn)
        if src: doc += showdoc._ext_link(src, 'source', 'style="float:right; font-size:smaller"') + '\n\n'
        doc += f"{'#' * self.title_level} {self.nm}\n\n"
        doc += f'```python\n{PlainSignature(self.sym, maxline=self.maxline, docstring=False)}\n```'
        if self.docs: doc += f'\n\n{_ital_first(no_dashes(self.docs))}'
        if tbl.has_docment: doc += '\n\n' + tbl._repr_markdown_()
    except Exception: doc = _original(self)       # anything fastcore cannot tabulate keeps nbdev's own rendering
    return doc.replace(ROOT, '')                  # defaults such as Path(<checkout>/pkg/assets) name no machine path

def install(): showdoc.BasicMarkdownRenderer._repr_markdown_ = _repr_markdown_
