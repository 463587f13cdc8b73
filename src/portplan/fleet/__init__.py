"""Fleet: the plan installed and proven on real hosts through Ansible.

``inventory`` (an Ansible inventory from a deployment, or the user's own mapped onto it),
``verify`` (listeners and probes on every host, one report in the lab's format), ``apply`` and
``confirm`` (compiled host firewalls pushed commit-confirmed). ``commit`` is the host side of
apply; it runs inside the agent zipapp (``agent``), so this package's ``__init__`` stays empty
of imports.
"""
