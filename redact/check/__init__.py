"""`redact check`: lint marked documents, compare decisions with golden files, verify release copies.

Rules live in :mod:`redact.check.rules` (stable ids, severities, a bad and a
good example each); reporters in :mod:`redact.check.report`.
"""

from .engine import CheckOptions, CheckResult, Finding, check_paths, check_release
from .rules import RULES, Rule, Severity

__all__ = ["RULES", "CheckOptions", "CheckResult", "Finding", "Rule", "Severity", "check_paths",
           "check_release"]
