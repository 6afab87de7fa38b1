"""One dock class per panel."""
