"""The ward server: one server that many kiosks report their finished
sessions to, on PostgreSQL (`python -m ward`; docs/ward.md)."""
