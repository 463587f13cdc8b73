"""portplan: vendor port requirements in, proven firewall rules out.

The library API mirrors the pipeline in DESIGN.md: ``portplan.model`` (vocabulary),
``portplan.extract`` (documents → draft products), ``portplan.catalog`` (products),
``portplan.deployment`` (sites, zones, hosts), ``portplan.flows`` (resolution to concrete
flows), then ``portplan.compile``, ``portplan.verify`` and ``portplan.report``.
"""

__version__ = "0.1.0"
