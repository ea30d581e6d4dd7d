"""Official export statistics: published series, derivations, measures, monitors, outputs."""
