"""The set-up side of `course.py`, in the standard library only (it runs before .venv/ exists):
the lock of exact package versions (lock), installing with progress (install), JupyterLab's
configuration for students (jupyter_config), updating a student's clone (update)."""
