"""Outside things picker talks to: serial devices and scales, the feed's HTTP, photo decoding."""
