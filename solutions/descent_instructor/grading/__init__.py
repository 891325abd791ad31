"""The grading command (``python3 course.py grade``), one module per stage. Each stage takes the
folders it works on as arguments (``student.Folders``) and changes no process-wide state:

* ``collect``  - zips, nbgrader's exchange or grading/submitted/ → the students to grade;
* ``review``   - code that no rule needs (it may game the checks) → a REVIEW note;
* ``sandbox``  - a fresh grading lib, gradebook copy and temporary folder per student, and the
  kernel's environment (``kernel``: nbgrader's Execute with that environment and the kernel's own
  output in a file, filtered of a known harmless shutdown traceback);
* ``repair``   - a preprocessor in nbgrader's sanitize step: cells nbgrader needs put back;
* ``run``      - one student: nbgrader autograde, status, scores, feedback (``feedback``: no hidden
  tests, the student's own file names, time limits in plain words, written answers pending);
* ``gradebook``- the snapshot each student is graded against, and the one writer of its results;
* ``report``   - the CSV (``final``: nothing awaits grading by hand) and the summary;
* ``classview``- what the class got wrong: per check and mistake, how many students and who;
* ``command``  - the command: the stages in order, students graded in parallel (``--jobs``).
"""
