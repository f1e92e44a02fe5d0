import sys
from pathlib import Path

# The helpers beside the tests (k8s_manifests, k8s_policy) import as top-level modules.
sys.path.insert(0, str(Path(__file__).resolve().parent))
