"""The version of redact, in a module of its own: every layer may read it without importing the
package root (which imports every layer)."""

__version__ = "0.1.0"
