"""Course code (read it, don't edit it): the parts of descent.checks, which is what you call.

* ``files``      - the reference files: their cases, their format, the failure every check raises;
* ``running``    - running a rule on a case step by step, and what is wrong with what it returns;
* ``properties`` - what every correct rule does on fresh inputs (the registry ``PROPERTIES``);
* ``schedules``  - learning-rate schedules, t by t;
* ``advice``     - warnings for a rule that passes but will not do well elsewhere.
"""
