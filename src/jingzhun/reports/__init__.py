"""Reports (cards, registers, books, archives): printable documents rendered from HTML templates."""
