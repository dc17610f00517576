"""The Lens tools on the live picture: annotation model, its protocol, and tracking.
No widgets here; ``ui/`` draws them."""
