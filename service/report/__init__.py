"""``holdfast report``: a session replayed into one self-contained HTML page (or a PNG).

:mod:`.collect` runs the chain and keeps what the report needs, :mod:`.plot` draws the angle
over time with everything marked (matplotlib, Agg backend: no display needed), :mod:`.page`
writes the HTML with the plot embedded and the tables and sentences a patient reads.
"""
