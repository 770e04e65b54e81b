"""Bulk import jobs: reading the files people have, planning and writing them in chunks."""
