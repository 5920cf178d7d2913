"""What the fast front (`_front`) and the SDK server on stdio (`_stdio`) agree on when the front hands over.

The front answers `initialize` itself and replays the request into the SDK server under `REPLAY_ID`; the stdio loop
drops the SDK's answer to that id, since the host already has one. Standard library only, like the front.
"""

from __future__ import annotations

REPLAY_ID = "pycodex-front-initialize"
