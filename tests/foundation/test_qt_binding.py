"""Guard against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 on Python 3.11 dropped a reference to None on every void method call; a long
session (a chart redrawn a few hundred times) then aborted with "Fatal Python error:
none_dealloc". pyproject.toml keeps that release out; this test catches a repeat.
"""

import sys


def test_void_qt_calls_keep_none_and_bool_refcounts(qapp):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(200):
        label.setText("x")
        label.isVisible()
    # A little slack for unrelated objects created meanwhile; the 6.12.0 bug loses 200.
    assert abs(sys.getrefcount(None) - none_before) < 50
    assert abs(sys.getrefcount(True) - true_before) < 50
