import sys
from pathlib import Path

# The row builders live with the analysis tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "analysis"))
