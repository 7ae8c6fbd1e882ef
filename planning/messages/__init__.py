"""Topic modules of the message catalog; each defines MESSAGES = {key: {"ru": ..., "kk": ..., "en": ...}}."""
