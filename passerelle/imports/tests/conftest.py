"""The import tests keep the progress and cancellation files of running imports in a
temporary directory of their own (never var/imports of the checkout)."""

import pytest


@pytest.fixture(autouse=True)
def import_channel(tmp_path, settings):
    settings.PASSERELLE_IMPORTS_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"
