"""PyInstaller entry point for the frozen editor (the `dreamreel-editor` gui-script).

The frozen executable doubles as the AI render worker: `<exe> --render-worker ARGS...` runs
`dreamreel.editor.render.render_worker.main(ARGS)` (a plain interpreter runs
`python -m dreamreel.editor.render.render_worker ARGS...` instead).
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    if len(sys.argv) > 1 and sys.argv[1] == "--render-worker":
        from dreamreel.editor.render.render_worker import main as worker_main

        sys.exit(worker_main(sys.argv[2:]))
    from dreamreel.editor.app import main

    sys.exit(main())
