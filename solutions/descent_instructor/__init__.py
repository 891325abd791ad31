"""The instructor side of the Descent course (installed editable by `python3 course.py test`).

solutions/ holds three kinds of things, each in one place:

* ``solutions/assignments/NN_slug/NN_slug.ipynb`` - nbgrader's source folder: the assignments and
  nothing else (so the formgrader lists exactly the exercises);
* ``solutions/rules.py`` (the reference rules between solution markers) and
  ``solutions/topics/NN_slug.py`` (one spec per topic: cases, properties, known mistakes, torch
  mapping) - the course's content on the instructor side;
* this package - the tools: ``paths`` (every folder), ``spec`` (what a topic spec may say, and the
  mistakes every rule can make), ``topics`` (loads the specs and checks them against the
  syllabus), ``references`` (the reference values), ``release`` (regenerate everything derived:
  ``python3 course.py release``), ``scaffold`` (start a new topic: ``python3 course.py new-topic``),
  ``grade`` and ``grading/`` (``python3 course.py grade``: collect, review, sandbox, repair, run,
  gradebook, feedback, report) and ``grading_kernel/`` (the files a grading kernel gets).
"""
