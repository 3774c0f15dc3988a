#!/usr/bin/python3
"""Writes src/main/resources/colormaps/viridis.csv: matplotlib's viridis colour map (van der Walt and
Smith, 2015), perceptually uniform and readable in grey and by colour-blind readers, as 256 rows of
8-bit "r,g,b" from low to high. Run with Debian's interpreter (apt-get install python3-matplotlib);
the service only reads the file.
"""
import os

from matplotlib import colormaps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "main", "resources", "colormaps", "viridis.csv")

with open(OUT, "w") as f:
    for r, g, b, _ in colormaps["viridis"](range(256)):
        f.write("%d,%d,%d\n" % (round(r * 255), round(g * 255), round(b * 255)))
