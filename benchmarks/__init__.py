"""``make bench``: each figure is a ratio against a floor measured in the same run.

Machines are shared and noisy, so absolute times mean little; a ratio of two things
measured side by side, interleaved and repeated, holds still.
"""
