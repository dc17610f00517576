"""The Lens tools that work on the live picture (no widgets; ``ui/`` draws them)."""
