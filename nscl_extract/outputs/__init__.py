"""What every command shares when it writes: output-path checks (paths) and messages, progress
and "-" as stdout (console)."""
