"""Recording uploads: streamed to disk, sniffed, stored durably, de-duplicated."""
