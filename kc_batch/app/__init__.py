"""The app layer: one function per command (load → compute → write → log)."""
