"""How to reach data: rooted filesystems, daemon connections, protocol sessions."""
