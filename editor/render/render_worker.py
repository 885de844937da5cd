"""The render worker's old home: the Qt-free jobs live in `dreamreel.core.engine.worker`.

Kept so `python -m dreamreel.editor.render.render_worker ...` and the frozen app's
`--render-worker` (packaging/entry_editor.py) keep working; new code imports the core module.
"""

from __future__ import annotations

import sys

from dreamreel.core.engine.worker import (job_args, main, project_payload, run_export, run_job, snapshot,  # noqa: F401
                                          worker_command)

if __name__ == "__main__":
    sys.exit(main())
