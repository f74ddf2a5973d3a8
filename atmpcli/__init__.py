"""atmpcli: cost-effectiveness of precision medicine and advanced therapies (ATMPs) from YAML scenarios.

Python API (atmpcli.api): ``atmpcli.load(path_or_name)`` returns a model whose ``compare()``, ``trace()``,
``show()``, ``psa()``, ``dsa()``, ``threshold()``, ``variants()`` and ``budget_impact()`` return the
DataFrames the CLI writes as CSV (``model.results`` gives the result objects); ``atmpcli.icers``,
``atmpcli.fit_survival``, ``atmpcli.reconstruct_survival`` and ``atmpcli.shortfall`` return results.
"""

from typing import Any

__version__ = "0.1.0"

_API = ("icers", "fit_survival", "reconstruct_survival", "shortfall")


def load(path: Any, **kwargs: Any) -> Any:
    """Load a scenario; see :func:`atmpcli.api.load` (imported lazily to keep start-up light)."""
    from atmpcli.api import load as _load

    return _load(path, **kwargs)


def __getattr__(name: str) -> Any:
    if name in _API:  # imported on first use: `import atmpcli` stays light for the CLI
        from atmpcli import api

        return getattr(api, name)
    raise AttributeError(f"module 'atmpcli' has no attribute '{name}'")
