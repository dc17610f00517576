"""The Lens tools: annotation model, protocol and tracking, with no widgets."""
