"""A real JupyterHub for tests/test_hub.py: the deployment (deployment.py) and its proxy (proxy.py)."""
