"""atmpcli: cost-effectiveness of precision medicine and advanced therapies (ATMPs) from YAML scenarios.

Python API: ``atmpcli.load(path_or_name)`` returns a model whose ``compare()``, ``psa()``, ``dsa()``,
``threshold()`` and ``budget_impact()`` return pandas DataFrames (see atmpcli.api).
"""

from typing import Any

__version__ = "0.1.0"


def load(path: Any, **kwargs: Any) -> Any:
    """Load a scenario; see :func:`atmpcli.api.load` (imported lazily to keep start-up light)."""
    from atmpcli.api import load as _load

    return _load(path, **kwargs)
