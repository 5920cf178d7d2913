"""The apply_patch format: parse a patch, verify it against the files, then write it all or nothing.

Grammar, matching rules, output and error texts follow Codex's applier, so patches written by models trained on
Codex apply the same way. Unlike Codex, nothing is written until every operation has been resolved in memory, and
a chunk that does not match comes with the nearest candidate region of the file.

```
plan = verify_patch(text, cwd)     # raises PatchParseError / PatchApplyError; touches nothing
vet(plan.affected_paths)           # the caller's safety or approval check
with WriteRoots(roots) as jail:    # opened before any wait for approval
    result = plan.apply(jail)      # writes every file, or none, and nothing outside `roots`
print(result.summary)              # "Success. Updated the following files:\\nM src/app.py\\n"
```

Stdlib only; imports nothing else of pycodex.
"""

from ._changes import ApplyResult as ApplyResult
from ._changes import ChangeKind as ChangeKind
from ._changes import FileChange as FileChange
from ._confined import WriteRoots as WriteRoots
from ._invocation import IMPLICIT_INVOCATION_MESSAGE as IMPLICIT_INVOCATION_MESSAGE
from ._invocation import extract_shell_invocation as extract_shell_invocation
from ._invocation import is_implicit_invocation as is_implicit_invocation
from ._model import AddFile as AddFile
from ._model import DeleteFile as DeleteFile
from ._model import Hunk as Hunk
from ._model import Patch as Patch
from ._model import UpdateChunk as UpdateChunk
from ._model import UpdateFile as UpdateFile
from ._parser import parse_patch as parse_patch
from ._plan import PatchPlan as PatchPlan
from ._plan import apply_patch as apply_patch
from ._plan import verify_patch as verify_patch
from .errors import ApplyPatchError as ApplyPatchError
from .errors import ContextNotFoundError as ContextNotFoundError
from .errors import DeleteError as DeleteError
from .errors import FileReadError as FileReadError
from .errors import LinesNotFoundError as LinesNotFoundError
from .errors import NoChangesError as NoChangesError
from .errors import PatchApplyError as PatchApplyError
from .errors import PatchParseError as PatchParseError
from .errors import StaleFileError as StaleFileError
from .errors import WriteError as WriteError

__all__ = [
    "IMPLICIT_INVOCATION_MESSAGE",
    "AddFile",
    "ApplyPatchError",
    "ApplyResult",
    "ChangeKind",
    "ContextNotFoundError",
    "DeleteError",
    "DeleteFile",
    "FileChange",
    "FileReadError",
    "Hunk",
    "LinesNotFoundError",
    "NoChangesError",
    "Patch",
    "PatchApplyError",
    "PatchParseError",
    "PatchPlan",
    "StaleFileError",
    "UpdateChunk",
    "UpdateFile",
    "WriteError",
    "WriteRoots",
    "apply_patch",
    "extract_shell_invocation",
    "is_implicit_invocation",
    "parse_patch",
    "verify_patch",
]
