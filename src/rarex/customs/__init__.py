"""Customs clearance against licenses: declarations, checks, drawdown, reconciliation."""
