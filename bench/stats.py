"""The spread every bench table reports (imported by bench/*table.py)."""
import statistics


def quart(vals):
    """median, and the quartiles (min and max below 4 values), or None"""
    s = sorted(v for v in vals if v is not None)
    if not s:
        return None
    if len(s) < 4:
        return statistics.median(s), s[0], s[-1]
    q = statistics.quantiles(s, n=4, method="inclusive")
    return q[1], q[0], q[2]
