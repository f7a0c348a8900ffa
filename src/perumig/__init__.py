"""Research compendium: Peru's public policy response to Venezuelan migration (UNDP policy paper).

The package holds all logic; the notebooks in ``notebooks/`` are narrative that call it.
Importing it does nothing but define things.
"""

__version__ = "0.1.0"
