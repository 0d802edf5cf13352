"""Face landmarks and the geometry measured from them."""
