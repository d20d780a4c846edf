"""optimlab: the reference implementations behind *How Networks Learn*.

One module per concept, in the order the book introduces them:

* ``losses``     losses from maximum likelihood and their gradients (Chapter 1)
* ``gradcheck``  finite differences and gradient checking (Chapters 1-3)
* ``data``       small seeded toy data sets
* ``plots``      the book's figure style and shared plotting helpers
* ``widgets``    interactive explorers (ipywidgets)
* ``checks``     checks for the coding exercises
* ``student``    ``python -m optimlab.student OUTDIR`` writes the student edition

The NumPy core (losses, gradcheck, data) never imports matplotlib, ipywidgets or torch;
import the plotting and widget modules explicitly when you need them.
"""

__version__ = "0.1.0"
