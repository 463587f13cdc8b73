"""Compile concrete flows to firewall rules. One module per target, registered in
:mod:`portplan.compile.registry`."""
