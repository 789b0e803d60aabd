"""Schemathesis hooks for scripts/fuzz_apis.sh: how to send the bodies it cannot serialise alone.

A tus `PATCH` carries raw bytes as `application/offset+octet-stream`; send them as schemathesis
sends `application/octet-stream`.
"""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
