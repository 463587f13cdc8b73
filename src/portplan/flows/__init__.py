"""Flows stage: resolve a deployment's product flows to concrete flows between endpoints."""

from portplan.flows.resolve import active_features, is_active, resolve_flows

__all__ = ["active_features", "is_active", "resolve_flows"]
