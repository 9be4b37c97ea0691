"MimicDiffusion adversarial purification, with honest adaptive evaluation."
__version__ = "0.1.0"

# The public API a user types first, imported on first use (PEP 562), so `import mimicdiffusion` stays cheap (no torch).
# This file is written by hand: nbdev_export only updates the `__version__` line above.
_API = {'load_embedded': 'embedded', 'load_checkpoint': 'checkpoints', 'make_purifier': 'purifiers',
        'PURIFIERS': 'purifiers',
        'DiffPure': 'purifiers', 'GDMP': 'purifiers', 'MimicDiffusion': 'purifiers', 'DefendedModel': 'attacks',
        'evaluate': 'evaluation', 'EvalConfig': 'api', 'run_evaluation': 'api', 'load_classifier': 'classifiers',
        'register_purifier': 'purifiers'}
__all__ = list(_API)

def __getattr__(name:str):
    if name not in _API: raise AttributeError(f"module 'mimicdiffusion' has no attribute {name!r}")
    from importlib import import_module
    value = getattr(import_module(f'.{_API[name]}', __name__), name)
    globals()[name] = value
    return value

def __dir__(): return sorted(list(globals()) + __all__)
