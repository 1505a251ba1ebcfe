"""The hostile corpus: inputs crafted as a hostile user would, and what fairdash must do with them."""

import sys
from pathlib import Path

# The helpers beside the main tests (browser.py, test_models.py) and payloads.py here.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
