"""What readers see: the plotting style, a run's outputs (figures, tables, values) and the website."""
