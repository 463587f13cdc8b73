"""Verify: the network-namespace lab, listen and probe on real hosts, audit of rulesets."""
