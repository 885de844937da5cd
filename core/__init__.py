"""Dreamreel core: the Qt-free model, formats, audio analysis and generation engine."""
