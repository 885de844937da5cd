"""The `dreamreel` command line."""
