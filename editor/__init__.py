"""The Dreamreel editor (PySide6 + pyqtgraph). Observes and edits a core Project."""
