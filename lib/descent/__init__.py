"""Course code (read it, don't edit it, except rules.py): the shared lib of the Descent course.

Modules (import the ones you need):

* ``descent.rules``      - the update rules *you* implement (one short function per rule);
* ``descent.contract``   - the rule contract: ``with_state``, ``init_state``, ``NotYetImplemented``;
* ``descent.surfaces``   - 2-D loss surfaces with exact gradients and Hessians;
* ``descent.problems``   - the problem protocol (start, loss, grad) and problems of any size;
* ``descent.data``       - the course's real data set (8×8 handwritten digits, with its provenance);
* ``descent.rollout``    - run any rule for many steps over a whole batch of runs at once;
* ``descent.compose``    - Adam from two rules' states, and your rule or the reference's (lecture 07);
* ``descent.reference``  - the course's reference rules (read from ``solutions/`` in a clone);
* ``descent.checks``     - step-by-step checks of a rule against full-precision reference values;
* ``descent.plots``      - contour plots and trajectories;
* ``descent.widgets``    - slider explorers that animate trajectories (their parts: ``descent.explorer``);
* ``descent.submit``     - hand in an exercise with your rules (``python3 course.py submit ...``).
"""
__version__ = "0.1.0"
