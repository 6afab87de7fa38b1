"""Widgets of the Profiles dock: status and message rows, toolbar, filter, profiles table,
unnamed pools, the image panel and the "runs use" line."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets.profile_images import PoolImagesPanel

UNNAMED_TITLE = "Unnamed pools (Image Pool nodes without a profile)"
UNNAMED_REMOTE = (
    "Unnamed pools: listing and adopting them needs the ComfyUI folder (the pack has no route "
    "that lists pool folders)."
)


def setup_ui(dock: Any) -> None:
    """Create the dock's widgets as attributes of ``dock`` (the setupUi pattern)."""
    main = QWidget(dock)
    layout = QVBoxLayout(main)
    top = QHBoxLayout()
    dock.status_label = QLabel("Loading profiles…")
    dock.status_label.setObjectName("profiles.status")
    dock.status_label.setWordWrap(True)
    dock.set_folder_button = QPushButton("Set ComfyUI folder…")
    dock.set_folder_button.clicked.connect(dock.ask_comfyui_folder)
    dock.set_folder_button.hide()
    top.addWidget(dock.status_label, 1)
    top.addWidget(dock.set_folder_button)
    layout.addLayout(top)
    message_row = QHBoxLayout()
    dock.message_label = QLabel()
    dock.message_label.setObjectName("profiles.message")
    dock.message_label.setWordWrap(True)
    dock.undo_button = QPushButton("Undo delete")
    dock.undo_button.clicked.connect(dock.undo_delete)
    dock.undo_button.hide()
    message_row.addWidget(dock.message_label, 1)
    message_row.addWidget(dock.undo_button)
    layout.addLayout(message_row)
    dock.toolbar = QToolBar(main)
    layout.addWidget(dock.toolbar)
    dock.filter_edit = QLineEdit()
    dock.filter_edit.setPlaceholderText("Filter profiles")
    dock.filter_edit.setClearButtonEnabled(True)
    dock.filter_edit.textChanged.connect(dock.proxy.setFilterFixedString)
    layout.addWidget(dock.filter_edit)
    dock.table_hint = QLabel(
        "No profiles yet: create one with “New…”, import a zip with “Import…”, or drop a "
        "profile .zip anywhere on the window."
    )
    dock.table_hint.setObjectName("profiles.table_hint")
    dock.table_hint.setWordWrap(True)
    dock.table_hint.hide()
    layout.addWidget(dock.table_hint)
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.setObjectName("profiles.splitter")
    splitter.setChildrenCollapsible(False)
    dock.table = make_table(dock.proxy, "profiles.table")
    dock.table.setSortingEnabled(True)
    dock.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    dock.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
    dock.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    dock.table.customContextMenuRequested.connect(dock._table_menu)
    splitter.addWidget(dock.table)
    unnamed = QWidget()
    unnamed_layout = QVBoxLayout(unnamed)
    unnamed_layout.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    dock.unnamed_label = QLabel(UNNAMED_TITLE)
    dock.unnamed_label.setObjectName("profiles.unnamed_title")
    dock.unnamed_label.setWordWrap(True)
    row.addWidget(dock.unnamed_label, 1)
    dock.adopt_button = QPushButton("Adopt…")
    dock.adopt_button.clicked.connect(dock.ask_adopt)
    row.addWidget(dock.adopt_button)
    unnamed_layout.addLayout(row)
    dock.unnamed_view = make_table(dock.unnamed_model, "profiles.unnamed")
    unnamed_layout.addWidget(dock.unnamed_view)
    splitter.addWidget(unnamed)
    dock.images = PoolImagesPanel(dock.ctx, dock._run, dock._show_error, dock._confirm, dock)
    dock.images.pool_changed.connect(dock._on_pool_changed)
    splitter.addWidget(dock.images)
    # The images get most of the height; the unnamed pools usually are a row or two.
    for index, stretch in enumerate((3, 1, 6)):
        splitter.setStretchFactor(index, stretch)
    splitter.setSizes([300, 100, 600])
    dock.splitter = splitter
    layout.addWidget(splitter, 1)
    dock.runs_label = QLabel()
    dock.runs_label.setObjectName("profiles.runs")
    layout.addWidget(dock.runs_label)
    dock.setWidget(main)


def make_table(model: Any, name: str) -> QTableView:
    """A row-selecting table view without a vertical header."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view
