"""Files on disk: contained reads, atomic writes, the write lock, cache folders."""
