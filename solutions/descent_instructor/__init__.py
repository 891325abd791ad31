"""The instructor side of the Descent course (installed editable by `python3 course.py test`).

solutions/ holds three kinds of things, each in one place:

* ``solutions/assignments/NN_slug/NN_slug.ipynb`` - nbgrader's source folder: the assignments and
  nothing else (so the formgrader lists exactly the exercises);
* ``solutions/rules.py`` (the reference rules between solution markers) and
  ``solutions/topics/NN_slug.py`` (one spec per topic: cases, properties, known mistakes, torch
  mapping) - the course's content on the instructor side;
* this package - the tools: ``paths``, ``spec`` (what a topic spec may say, and the mistakes every
  rule can make), ``topics`` (loads the specs), ``release`` (regenerate everything derived),
  ``scaffold`` (start a new topic), ``handin``-aware grading and nbgrader's feedback filter.
"""
