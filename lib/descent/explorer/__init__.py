"""Course code (read it, don't edit it): the parts of the slider explorer of ``descent.widgets``.

Read ``descent/widgets.py`` first: it puts these together. Each module here is one part:

* ``sliders``  - the sliders and the play button, and the values next to a slider's value;
* ``player``   - the play button played by the kernel, a frame every 1/30 s;
* ``runs``     - roll out every run for some slider values (one batched roll-out per rule);
* ``canvas``   - one figure drawn once; a picture is its lines moved and blitted, as a JPEG;
* ``cache``    - the last 48 pictures shown, filed under what they depend on;
* ``ahead``    - draw pictures ahead while the kernel is idle;
* ``pictures`` - which picture to show: kept, drawn now or drawn ahead, one at a time.
* ``ratemap``  - the final loss over a grid of (η, β), one batched roll-out, as a heat map
                with a probe (``widgets.RateMap``).
"""
